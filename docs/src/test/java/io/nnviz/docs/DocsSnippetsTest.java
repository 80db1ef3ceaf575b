package io.nnviz.docs;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the docs show compiles: every {@code ```java} block of {@code README.md} and
 * {@code docs/*.md} is, line for line (indentation shifted as a whole), a piece of a Java source
 * the build compiles: the snippets in this module's tests, the modules' sources, the quick starts
 * (compiled and run by {@link QuickStartsTest}). Each quick start is shown whole.
 */
class DocsSnippetsTest {
    private static final Path ROOT = QuickStartsTest.ROOT;

    @Test
    void everyJavaSnippetIsAPieceOfCompiledSource() throws IOException {
        Map<Path, List<String>> sources = sources();
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<String, List<List<String>>> doc : snippets().entrySet()) {
            for (List<String> block : doc.getValue()) {
                checked++;
                if (sources.values().stream().noneMatch(s -> contains(s, block))) {
                    missing.add(doc.getKey() + ": the snippet starting '" + block.get(0).strip() + "'");
                }
            }
        }
        assertTrue(checked >= 10, "the docs were read: " + checked + " snippets");
        assertTrue(missing.isEmpty(), "snippets that no compiled source holds (edit the source under docs/src/test/java and copy it, "
                + "or fix the snippet):\n" + String.join("\n", missing));
    }

    @Test
    void everyQuickStartIsShownWhole() throws IOException {
        List<List<String>> shown = snippets().values().stream().flatMap(List::stream).toList();
        try (Stream<Path> s = Files.list(ROOT.resolve("quickstart"))) {
            for (Path project : s.filter(Files::isDirectory).toList()) {
                List<String> main = Files.readAllLines(project.resolve("src/main/java/com/example/QuickStart.java"));
                assertTrue(shown.stream().anyMatch(b -> b.size() == main.size() && contains(main, b)),
                        project.getFileName() + "'s QuickStart.java, whole, in the README or docs/");
            }
        }
    }

    /** Each Markdown file's java blocks, as lines. */
    private static Map<String, List<List<String>>> snippets() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        Map<String, List<List<String>>> out = new LinkedHashMap<>();
        for (Path doc : docs) {
            List<List<String>> blocks = new ArrayList<>();
            List<String> current = null;
            for (String line : Files.readAllLines(doc)) {
                if (current == null && line.strip().equals("```java")) {
                    current = new ArrayList<>();
                } else if (current != null && line.strip().equals("```")) {
                    blocks.add(current);
                    current = null;
                } else if (current != null) {
                    current.add(line);
                }
            }
            out.put(ROOT.relativize(doc).toString(), blocks);
        }
        return out;
    }

    /** Java sources the build compiles: main and test sources of every module, and the quick starts. */
    private static Map<Path, List<String>> sources() throws IOException {
        Map<Path, List<String>> out = new LinkedHashMap<>();
        try (Stream<Path> s = Files.walk(ROOT)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
                String rel = ROOT.relativize(p).toString();
                if (!rel.contains("/target/") && !rel.startsWith(".") && rel.contains("/src/")) {
                    out.put(p, Files.readAllLines(p));
                }
            }
        }
        return out;
    }

    /** Whether {@code block}'s lines appear consecutively in {@code source}, shifted right by one common indentation. */
    static boolean contains(List<String> source, List<String> block) {
        int first = 0;
        while (first < block.size() && block.get(first).isBlank()) {
            first++;
        }
        if (first == block.size()) {
            return true;
        }
        String head = block.get(first);
        for (int i = 0; i + block.size() - first <= source.size(); i++) {
            String s = source.get(i);
            if (!s.endsWith(head) || !s.substring(0, s.length() - head.length()).isBlank()) {
                continue;
            }
            String indent = s.substring(0, s.length() - head.length());
            boolean all = true;
            for (int k = first; k < block.size() && all; k++) {
                String b = block.get(k), line = source.get(i + k - first);
                all = b.isBlank() ? line.isBlank() : line.equals(indent + b);
            }
            if (all) {
                return true;
            }
        }
        return false;
    }
}
