package io.nnviz.examples;

import io.nnviz.recording.format.RunJson;
import io.nnviz.testkit.SvgFiles;
import org.w3c.dom.Document;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an example's run and report must show, on every backend: shared by the DL4J/DJL and the TensorFlow example tests. */
public final class ReportChecks {
    private ReportChecks() {
    }

    /**
     * The run learnt something a broken model cannot ({@code floor}: accuracy for classifiers, R² for
     * the regressor), and its report in {@code out} holds the figures its task promises, read back.
     */
    public static void assertReport(RunReport.Result r, Path out, Task task, double floor) throws Exception {
        assertEquals(0, r.hookErrors());
        Map<String, Document> svgs = SvgFiles.parseAll(out.resolve("figures"));
        for (String must : List.of("architecture.svg", "loss.svg")) {
            assertTrue(svgs.containsKey(must), must + " in " + svgs.keySet());
        }
        assertTrue(svgs.keySet().stream().anyMatch(n -> n.startsWith("hist-")), "weight histograms over time: " + svgs.keySet());
        if (task.classifier()) {
            assertTrue(r.accuracy() > floor, task + " accuracy " + r.accuracy()); // ten classes: chance is 10%
            assertTrue(SvgFiles.text(svgs, "confusion.svg").contains(String.format("%.1f%%", r.accuracy() * 100)), "confusion matrix");
        } else {
            assertTrue(r.r2() > floor, "R² " + r.r2()); // a model that learnt nothing predicts the mean at best (R² 0)
            String scatter = SvgFiles.text(svgs, "regression.svg");
            assertTrue(scatter.contains("R\u00b2") && scatter.contains("n=2000"), scatter);
        }
        switch (task) {
            case cnn -> {
                for (String must : List.of("filters-first.svg", "filters-latest.svg", "saliency.svg", "grad-cam.svg", "probe-conv1.svg")) {
                    assertTrue(svgs.containsKey(must), must + " in " + svgs.keySet());
                }
            }
            case lstm -> {
                String heatmap = svgs.entrySet().stream().filter(e -> e.getKey().startsWith("probe-"))
                        .map(e -> e.getValue().getDocumentElement().getTextContent())
                        .filter(t -> t.contains("hidden state over time")).findFirst().orElseThrow(() -> new AssertionError(
                                "a hidden-state heatmap among " + svgs.keySet()));
                assertTrue(heatmap.contains("time step") && heatmap.contains("unit"), heatmap);
            }
            default -> { }
        }
        var run = RunJson.read(out.resolve("run.json"));
        assertEquals(r.steps(), run.stepSeries("loss").size(), "the run as JSON, every step's loss");
        assertEquals(r.steps(), run.lastStep());
        try (Stream<Path> tb = Files.list(out.resolve("tensorboard"))) {
            assertTrue(tb.anyMatch(p -> p.getFileName().toString().startsWith("events.out.tfevents.")), "TensorBoard events");
        }
    }
}
