package io.nnviz.examples;

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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MLP classifier, the LSTM and the regressor on DL4J and DJL, end to end with few steps: each
 * learns something a broken model cannot, and its report holds the figures its task promises.
 */
@Tag("natives")
class ExamplesTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"dl4j, mlp, 0.6", "djl, mlp, 0.6", "dl4j, lstm, 0.45", "djl, lstm, 0.45", "dl4j, regressor, 0.4", "djl, regressor, 0.4"})
    void exampleTrainsAndReports(Main.Backend backend, Task task, double floor) throws Exception {
        Path out = dir.resolve("report");
        RunReport.Result r = Main.runner(backend).orElseThrow().run(task, 120, 32, out, s -> { });
        System.out.println(backend + " " + task + ": " + r.summary());
        assertEquals(0, r.hookErrors());
        Map<String, Document> svgs = SvgFiles.parseAll(out.resolve("figures"));
        for (String must : List.of("architecture.svg", "loss.svg")) {
            assertTrue(svgs.containsKey(must), must + " in " + svgs.keySet());
        }
        assertTrue(svgs.keySet().stream().anyMatch(n -> n.startsWith("hist-")), "weight histograms over time: " + svgs.keySet());
        if (task.classifier()) {
            // ten classes: chance is 10%
            assertTrue(r.accuracy() > floor, task + " accuracy " + r.accuracy());
            assertTrue(SvgFiles.text(svgs, "confusion.svg").contains(String.format("%.1f%%", r.accuracy() * 100)), "confusion matrix");
        } else {
            // R² > 0.4: a model that learnt nothing predicts the mean at best (R² 0)
            assertTrue(r.r2() > floor, "R² " + r.r2());
            String scatter = SvgFiles.text(svgs, "regression.svg");
            assertTrue(scatter.contains("R\u00b2") && scatter.contains("n=2000"), scatter);
        }
        if (task == Task.lstm) {
            String heatmap = svgs.entrySet().stream().filter(e -> e.getKey().startsWith("probe-"))
                    .map(e -> e.getValue().getDocumentElement().getTextContent())
                    .filter(t -> t.contains("hidden state over time")).findFirst().orElseThrow(() -> new AssertionError(
                            "a hidden-state heatmap among " + svgs.keySet()));
            assertTrue(heatmap.contains("time step") && heatmap.contains("unit"), heatmap);
        }
        String json = Files.readString(out.resolve("run.json"));
        assertTrue(json.contains("\"nnviz-run/1\"") && json.contains("\"loss\""), "the run as JSON");
    }
}
