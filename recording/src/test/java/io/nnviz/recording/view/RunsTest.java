package io.nnviz.recording.view;

import io.nnviz.api.hook.ManualTraining;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.Runs;
import io.nnviz.recording.SoftmaxRegression;
import io.nnviz.recording.format.RunEvents;
import io.nnviz.analysis.Curve;
import io.nnviz.recording.run.RunLog;
import io.nnviz.renderers.canvas.Num;
import io.nnviz.renderers.report.HtmlReport;
import io.nnviz.testkit.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20's runs: a small sweep (softmax regression on Fashion-MNIST at three learning rates),
 * each run recorded into a runs root, read back with {@link Runs#open} and compared: the runs
 * table holds each run's own final metrics, the overlaid curves hold its logged values, and a run
 * whose file was cut short is left out with a reason, not fatal.
 */
class RunsTest {
    @TempDir
    Path dir;

    /** Trains three runs into {@code root}; returns each run's logged losses and final validation accuracy. */
    static List<double[]> sweep(Path root) throws Exception {
        FashionMnist train = FashionMnist.trainCached(1024), test = FashionMnist.test(200);
        List<double[]> out = new ArrayList<>();
        float[] rates = {0.001f, 0.01f, 0.1f};
        for (float lr : rates) {
            Recorder rec = Recorder.builder().name("lr " + lr).hyperparameters(Map.of("lr", (double) lr, "batch", 16)).tags("sweep")
                    .runsRoot(root).build();
            SoftmaxRegression net = new SoftmaxRegression(train, 16, lr);
            double[] losses = new double[61];
            try (ManualTraining run = ManualTraining.start(SoftmaxRegression.model(), rec)) {
                for (int epoch = 0; epoch < 2; epoch++) {
                    for (int s = 0; s < 30; s++) {
                        double loss = net.step(epoch * 30 + s);
                        losses[epoch * 30 + s] = loss;
                        run.stepEnd(loss, r -> net.snapshot());
                    }
                    run.epochEnd(Map.of("validation/accuracy", net.accuracy(test)));
                }
            }
            rec.close();
            losses[60] = net.accuracy(test);
            out.add(losses);
        }
        return out;
    }

    @Test
    void runsRecordedIntoARootAreReadBackAndCompared() throws Exception {
        Path root = dir.resolve("runs");
        List<double[]> logged = sweep(root);
        try (var ls = Files.list(root)) {
            assertEquals(3, ls.filter(Files::isDirectory).count(), "a directory per run");
        }
        // a fourth run cut short mid-write: left out, said why
        Path torn = Files.createDirectories(root.resolve("torn-run"));
        Path first;
        try (var ls = Files.list(root)) {
            first = ls.filter(p -> !p.equals(torn)).sorted().findFirst().orElseThrow().resolve(Runs.RUN_FILE);
        }
        byte[] whole = Files.readAllBytes(first);
        Files.write(torn.resolve(Runs.RUN_FILE), Arrays.copyOf(whole, whole.length / 2));
        // and a worker killed in the middle of a record: the torn last line of its event log is ignored, not a problem
        Path events = first.resolveSibling(RunEvents.FILE);
        Files.writeString(events, "{\"s\":\"loss\",\"step\":61,\"v\":0.", StandardOpenOption.APPEND);
        RunEvents.Read back = RunEvents.read(events, 1000);
        assertTrue(back.tornLast() && back.badLines() == 0, back.toString());
        assertEquals(60, back.log().stepSeries("loss").size(), "every whole record, not the torn one");
        Runs runs = Runs.open(root);
        assertEquals(3, runs.logs().size());
        assertEquals(1, runs.problems().size());
        assertTrue(runs.problems().get(0).startsWith("torn-run"), runs.problems().toString());
        for (int i = 0; i < 3; i++) {
            RunLog r = runs.logs().get(i);
            double[] want = logged.get(i);
            Curve loss = r.stepSeries("loss");
            assertEquals(60, loss.size());
            for (int k = 0; k < 60; k++) {
                assertEquals(want[k], loss.y(k), 1e-12, "run " + i + " step " + k);
            }
            assertEquals(want[60], r.epochSeries("validation/accuracy").last(), 1e-12);
        }
        Path index = RunComparison.of(runs.logs()).addTo(HtmlReport.titled("sweep")).write(dir.resolve("report"));
        String html = Files.readString(index);
        // the runs table: each run's own final validation accuracy and hyperparameters
        for (int i = 0; i < 3; i++) {
            RunLog r = runs.logs().get(i);
            String row = rowOf(html, r.info().name());
            assertTrue(row.contains(String.format(Locale.ROOT, "<td>%.6g</td>", logged.get(i)[60])), row);
            assertTrue(row.contains("<td>" + RunsTable.hyperparameter(r.info().hyperparameters().get("lr")) + "</td>"), row);
            assertTrue(Pattern.compile("<td>\\d+:\\d\\d:\\d\\d</td><td>\\d+\\.\\d</td>").matcher(row).find(), "duration and steps/s: " + row);
        }
        assertTrue(html.contains(">steps/s</th>"), "the pace column");
        // the overlaid loss: a series per run whose points are the logged values (as the chart labels them)
        String loss = Files.readString(dir.resolve("report/figures/runs-loss.svg"));
        for (int i = 0; i < 3; i++) {
            String name = runs.logs().get(i).info().name();
            Matcher m = Pattern.compile("<g class=\"series\" data-points=\"([^\"]*)\"><title>" + Pattern.quote(name) + "</title>").matcher(loss);
            assertTrue(m.find(), name + " drawn");
            String[] pts = m.group(1).split(";");
            assertEquals(60, pts.length);
            for (int k = 0; k < 60; k += 7) {
                assertEquals(Num.label(logged.get(i)[k]), pts[k].split(" ")[3], "step " + k + " of " + name);
            }
        }
        assertTrue(Files.exists(dir.resolve("report/figures/hp-lr.svg")), "learning rate against validation accuracy");
        String pc = Files.readString(dir.resolve("report/figures/hp-parallel.svg"));
        assertEquals(3, pc.split("class=\"series\"", -1).length - 1, "a line per run through its hyperparameters and accuracy");
    }

    private static String rowOf(String html, String run) {
        int at = html.indexOf("<tr data-run=\"" + run + "\">");
        assertTrue(at >= 0, run + " has a row");
        return html.substring(at, html.indexOf("</tr>", at));
    }
}
