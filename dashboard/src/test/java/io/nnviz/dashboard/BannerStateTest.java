package io.nnviz.dashboard;

import io.nnviz.analysis.doctor.Finding;
import io.nnviz.api.hook.ManualTraining;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.SoftmaxRegression;
import io.nnviz.testkit.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 31: the findings banner's data in a page's state.json, without a browser: a recorder's
 * findings (softmax regression whose loss goes NaN), each with the ids of the page's figures that
 * show it; the same run read from its files by the runs watcher, diagnosed there; and a healthy run,
 * none.
 */
class BannerStateTest {
    @TempDir
    Path dir;

    private static String get(HttpClient http, URI u) throws Exception {
        return http.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void train(Recorder rec, SoftmaxRegression net, int steps) {
        try (ManualTraining run = ManualTraining.start(SoftmaxRegression.model(), rec)) {
            for (int s = 0; s < steps; s++) {
                double loss = net.step(s);
                run.stepEnd(loss, r -> net.snapshot());
            }
        }
    }

    @Test
    void aPagesStateCarriesTheFindingsLinkedToItsFigures() throws Exception {
        FashionMnist data = FashionMnist.trainCached(512);
        Path root = dir.resolve("runs");
        Recorder broken = Recorder.builder().name("broken").runsRoot(root).histogramsEvery(10).build();
        Recorder healthy = Recorder.builder().histogramsEvery(10).build();
        train(broken, new SoftmaxRegression(data, 16, 1e36f), 30);
        train(healthy, new SoftmaxRegression(data, 16), 60);
        broken.close();
        List<Finding> findings = broken.latestFindings();
        assertFalse(findings.isEmpty());
        Finding nan = findings.get(0);
        assertEquals("non-finite", nan.rule());
        String head = "{\"severity\":\"ERROR\",\"rule\":\"non-finite\",\"where\":\"" + nan.where() + "\",\"layers\":\""
                + String.join(",", nan.layers()) + "\"";
        HttpClient http = HttpClient.newHttpClient();
        try (LiveDashboard dash = LiveDashboard.start(); RunsWatcher w = RunsWatcher.start(dash, root, 50)) {
            String here = get(http, dash.show("here", broken).resolve("state.json"));
            assertTrue(here.contains("\"findings\":[" + head), here);
            assertTrue(here.contains("\"figures\":[\"loss\"") && here.contains("{\"id\":\"loss\""), "linked to the page's loss chart: " + here);
            assertEquals(findings.size(), here.split("\"severity\":").length - 1, "every finding: " + here);
            assertTrue(get(http, dash.show("healthy", healthy).resolve("state.json")).contains("\"findings\":[]"), "no finding, no banner");
            for (long t0 = System.nanoTime(); w.shown().isEmpty() && System.nanoTime() - t0 < 10_000_000_000L; ) {
                Thread.sleep(50);
            }
            String files = get(http, dash.uri().resolve("run/" + w.shown().get(0) + "/state.json"));
            assertTrue(files.contains("\"findings\":[" + head), "the run read from its files, diagnosed: " + files);
        }
    }

    /** Evidence other than the loss: a layer's gradient chart is linked, a histogram the page does not draw is not. */
    @Test
    void eachFindingLinksTheFiguresThePageDraws() throws Exception {
        io.nnviz.recording.run.MutableRunLog log = io.nnviz.recording.run.MutableRunLog.create(
                io.nnviz.recording.run.RunInfo.named("grad").with(java.util.Map.of(), List.of(), List.of()), 1000);
        for (int s = 1; s <= 20; s++) {
            log.scalar("loss", s, 2.3);
            log.scalar("gradient_rms/dense1", s, 1e-6);
            log.scalar("gradient_rms/out", s, 1e-2);
        }
        Finding f = new Finding(io.nnviz.analysis.doctor.Severity.WARNING, "vanishing-gradients", 1, -1, List.of("dense1"), "m", "a",
                List.of(io.nnviz.analysis.doctor.Evidence.step("gradient_rms/dense1"), io.nnviz.analysis.doctor.Evidence.histogram("dense1 / W"),
                        io.nnviz.analysis.doctor.Evidence.step("loss")));
        List<io.nnviz.recording.view.RunFigures.Entry> entries = RunView.run(log, java.util.Optional::empty, List::of).entries();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var g = new com.fasterxml.jackson.core.JsonFactory().createGenerator(out)) {
            g.writeStartObject();
            Banner.write(g, List.of(f), entries);
            g.writeEndObject();
        }
        String gradient = entries.stream().filter(e -> e.name().equals("metric gradient_rms")).findFirst()
                .orElseThrow(() -> new AssertionError(entries.stream().map(e -> e.name()).toList())).id();
        assertTrue(out.toString().contains("\"figures\":[\"" + gradient + "\",\"loss\"]"), out + " among " + entries.stream().map(e -> e.id()).toList());
    }
}
