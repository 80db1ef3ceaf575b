package io.nnviz.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged runnable jar, target/nnviz.jar, as a user runs it: java -jar, its backends extracted on first use. */
@Tag("natives")
class JarIT {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private Run java(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dnnviz.cache=" + dir.resolve("cache"), "-jar", Path.of("target", "nnviz.jar").toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("stdout").toFile()).redirectError(dir.resolve("stderr").toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the jar finished");
        return new Run(p.exitValue(), Files.readString(dir.resolve("stdout"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8));
    }

    @Test
    void theRunnableJarInspectsARealOnnxModelAndRefusesABadOne() throws Exception {
        Path onnx = CliRun.resource("all-minilm-l6-v2.onnx", dir);
        Run ok = java("inspect", onnx.toString(), "--out", dir.resolve("out").toString(), "--quiet");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("ONNX") && ok.out().contains("Total: "), ok.out());
        CliRun.svgs(dir.resolve("out"));
        try (var s = Files.list(dir.resolve("cache/worlds"))) {
            assertEquals(List.of("djl"), s.map(p -> p.getFileName().toString().replaceAll("-.*", "")).toList(),
                    "only the backend the model needs was extracted");
        }
        // issue 32: the first command wrote the class-data archive of the jar, the next one on ONNX the format's, and the
        // commands on them say and write what the first did
        Path cds;
        try (var s = Files.list(dir.resolve("cache/cds"))) {
            cds = s.findFirst().orElseThrow();
        }
        assertTrue(Files.isRegularFile(cds.resolve("base.jsa")), "the base archive: " + CliRun.files(cds));
        // the report's views were laid out and kept; the commands after draw them from the files
        List<String> layouts = CliRun.files(dir.resolve("cache/layouts"));
        assertTrue(!layouts.isEmpty() && layouts.stream().allMatch(f -> f.endsWith(".layout")), layouts.toString());
        for (int i = 0; i < 2; i++) {
            Run again = java("inspect", onnx.toString(), "--out", dir.resolve("again-" + i).toString(), "--quiet");
            assertEquals(0, again.code(), again.err());
            assertEquals(ok.out(), again.out());
            assertEquals(CliRun.files(dir.resolve("out")), CliRun.files(dir.resolve("again-" + i)));
            assertEquals(Files.readString(dir.resolve("out/index.html")), Files.readString(dir.resolve("again-" + i + "/index.html")),
                    "the report drawn from kept layouts is the one laid out");
        }
        assertEquals(List.of("base.jsa", "onnx.jsa"), CliRun.files(cds), "the archives, and nothing half-written");
        Path bad = Files.write(dir.resolve("bad.onnx"), new byte[] {0x08, 0x07, 0x12, 0x7f, 0x01});
        Run no = java("inspect", bad.toString(), "--out", dir.resolve("never").toString());
        assertEquals(3, no.code(), no.err());
        assertTrue(no.err().startsWith("nnviz: ") && no.err().contains("bad.onnx") && !no.err().contains("\tat "), no.err());
        assertEquals(0, java("--version").code());
    }
}
