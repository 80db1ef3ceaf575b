package io.nnviz.docs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The standalone quick starts under {@code quickstart/}, run as a user runs them: a copy of the
 * project, outside the reactor, built by Maven against the installed nnviz artifacts
 * ({@code mvn -B -q compile exec:java}); then their reports are read. Each trains a small CNN on
 * Fashion-MNIST for 3 epochs of 30 batches with validation, so every report must hold: an
 * architecture with every shape known, train and validation curves on an epoch axis, and the
 * weights, filters and probes of the last step. Run after {@code mvn install} (the README's test
 * command and {@code .ci/run} do).
 */
@Tag("quickstart")
class QuickStartsTest {
    static final Path ROOT = Path.of(System.getProperty("nnviz.root", "..")).toAbsolutePath().normalize();
    private static final int STEPS = 90, EPOCHS = 3;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"dl4j", "djl", "tensorflow"})
    void aQuickStartBuildsRunsAndWritesItsReport(String framework) throws Exception {
        Path project = dir.resolve(framework);
        copy(ROOT.resolve("quickstart").resolve(framework), project);
        Path log = dir.resolve(framework + ".log");
        Process p = new ProcessBuilder("mvn", "-B", "-q", "compile", "exec:java").directory(project.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(framework + ": still running after 15 minutes; its output: " + tail(log));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), framework + " failed: " + tail(log));
        assertFalse(out.contains("Exception") || out.contains("\tat "), framework + ": a stack trace, as a user would see it: " + tail(log));

        JsonNode run = latestRun(project.resolve("runs"));
        assertEquals(STEPS, run.get("lastStep").asInt(), framework);
        for (String series : List.of("train/loss", "validation/loss", "validation/accuracy")) {
            JsonNode s = run.get("epochSeries").get(series);
            assertTrue(s != null && s.get("values").size() == EPOCHS, framework + ": " + series + " once per epoch: " + run.get("epochSeries"));
        }
        run.get("histograms").fields().forEachRemaining(h -> {
            JsonNode last = h.getValue().get(h.getValue().size() - 1);
            assertEquals(STEPS, last.get("step").asInt(), framework + ": the last histogram of " + h.getKey());
        });
        assertTrue(run.get("histograms").size() >= 6, framework + ": conv, dense and output weights and biases");
        assertEquals(STEPS, run.get("filters").get("latest").get("step").asInt(), framework + ": the trained filters");
        assertEquals(STEPS, run.get("probes").get("latest").get("step").asInt(), framework + ": the trained network's activations");

        Path figures = project.resolve("report/figures");
        // what the README promises of every quick start's report, drawn from the trained model after training (the DJL one
        // once lost them: its model view was closed with the attachment before the report was written)
        for (String f : List.of("saliency", "integrated-gradients", "grad-cam", "filters-latest", "epoch-accuracy")) {
            assertTrue(Files.isRegularFile(figures.resolve(f + ".svg")), framework + ": report/figures/" + f + ".svg");
        }
        List<String> arch = texts(figures.resolve("architecture.svg"));
        assertTrue(arch.stream().anyMatch(t -> t.contains("[?, 8, 24, 24]")) && arch.stream().anyMatch(t -> t.contains("[?, 8, 12, 12]")),
                framework + ": the conv and pool shapes: " + arch);
        assertFalse(arch.stream().anyMatch(t -> t.matches(".*\\[\\?(, [0-9?]+)*, \\?.*")), framework + ": a dimension left unknown: " + arch);
        List<String> loss = texts(figures.resolve("epoch-loss.svg"));
        assertTrue(loss.contains("epoch") && loss.contains("train") && loss.contains("validation"),
                framework + ": the loss per epoch, train and validation on one chart: " + loss);
        assertTrue(Files.readString(project.resolve("report/index.html")).contains("figures/architecture.svg"), framework);
    }

    /** The run the quick start just wrote (the only one in a fresh copy). */
    private static JsonNode latestRun(Path runs) throws IOException {
        try (Stream<Path> s = Files.list(runs)) {
            List<Path> all = s.map(r -> r.resolve("run.json")).filter(Files::isRegularFile).toList();
            assertEquals(1, all.size(), "one run in " + runs + ": " + all);
            return new ObjectMapper().readTree(all.get(0).toFile());
        }
    }

    private static final Pattern TEXT = Pattern.compile("<text[^>]*>([^<]*)</text>");

    /** The text elements of an SVG the renderers wrote (entities for &lt; &gt; &amp; decoded). */
    static List<String> texts(Path svg) throws IOException {
        List<String> out = new ArrayList<>();
        Matcher m = TEXT.matcher(Files.readString(svg));
        while (m.find()) {
            out.add(m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&"));
        }
        return out;
    }

    /** The project as it is in the repository: sources, resources and pom, none of a local run's output. */
    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path f : s.sorted(Comparator.naturalOrder()).toList()) {
                Path rel = from.relativize(f);
                String top = rel.getNameCount() == 0 ? "" : rel.getName(0).toString();
                if (top.equals("target") || top.equals("runs") || top.equals("report")) {
                    continue;
                }
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to.resolve(rel.toString()));
                } else {
                    Files.copy(f, to.resolve(rel.toString()));
                }
            }
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
