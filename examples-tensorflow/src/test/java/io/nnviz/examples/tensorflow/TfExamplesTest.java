package io.nnviz.examples.tensorflow;

import io.nnviz.examples.RunReport;
import io.nnviz.examples.Task;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import io.nnviz.api.testkit.SvgFiles;
import org.w3c.dom.Document;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The four examples on TensorFlow Java, end to end with few steps: each learns, and its report holds its task's figures. */
@Tag("natives")
class TfExamplesTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"cnn, 0.6", "mlp, 0.6", "lstm, 0.45", "regressor, 0.4"})
    void exampleTrainsAndReports(Task task, double floor) throws Exception {
        Path out = dir.resolve("report");
        RunReport.Result r = TfExamples.run(task, 120, 32, out, s -> { });
        System.out.println("tensorflow " + task + ": " + r.summary());
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
            assertTrue(SvgFiles.text(svgs, "regression.svg").contains("R\u00b2"), "regression figure");
        }
        switch (task) {
            case cnn -> {
                for (String must : List.of("filters-first.svg", "filters-last.svg", "saliency.svg", "grad-cam.svg", "probe-conv1.svg")) {
                    assertTrue(svgs.containsKey(must), must + " in " + svgs.keySet());
                }
            }
            case lstm -> assertTrue(SvgFiles.text(svgs, "probe-lstm.svg").contains("hidden state over time"), "hidden-state heatmap");
            default -> { }
        }
        assertTrue(Files.readString(out.resolve("run.json")).contains("\"nnviz-run/1\""), "the run as JSON");
        try (Stream<Path> tb = Files.list(out.resolve("tensorboard"))) {
            assertTrue(tb.anyMatch(p -> p.getFileName().toString().startsWith("events.out.tfevents.")), "TensorBoard events");
        }
    }
}
