package io.nnviz.examples;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

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
        ReportChecks.assertReport(r, out, task, floor);
    }
}
