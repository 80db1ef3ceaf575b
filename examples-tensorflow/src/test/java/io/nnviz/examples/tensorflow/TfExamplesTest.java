package io.nnviz.examples.tensorflow;

import io.nnviz.examples.ReportChecks;
import io.nnviz.examples.RunReport;
import io.nnviz.examples.Task;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

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
        ReportChecks.assertReport(r, out, task, floor);
    }
}
