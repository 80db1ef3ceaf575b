package io.nnviz.dashboard;

import io.nnviz.recording.format.RunJson;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A runs root on the dashboard: its runs listed, a run that starts later appears, a run that writes on is read again. */
class RunsWatcherTest {
    @TempDir
    Path dir;

    private static void write(Path root, String name, int steps) throws Exception {
        MutableRunLog log = MutableRunLog.create(RunInfo.named(name).with(Map.of("lr", 0.1), List.of(), List.of()), 1000);
        for (int s = 1; s <= steps; s++) {
            log.scalar("loss", s, 1.0 / s);
        }
        RunJson.write(log, Files.createDirectories(root.resolve(name)).resolve("run.json"));
    }

    private static String get(HttpClient http, URI u) throws Exception {
        return http.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String waitFor(HttpClient http, URI u, Predicate<String> ok) throws Exception {
        String body = "";
        for (long t0 = System.nanoTime(); System.nanoTime() - t0 < 10_000_000_000L; Thread.sleep(50)) {
            body = get(http, u);
            if (ok.test(body)) {
                return body;
            }
        }
        throw new AssertionError("not within 10 s: " + body);
    }

    @Test
    void aRunsPageIsCalledByTheRunsOwnNameWhateverItsFolder() throws Exception {
        Path root = dir.resolve("runs");
        MutableRunLog log = MutableRunLog.create(RunInfo.named("lenet adam").with(Map.of(), List.of(), List.of()), 1000);
        log.scalar("loss", 1, 0.5);
        RunJson.write(log, Files.createDirectories(root.resolve("lenet-adam-1a2b3c4d")).resolve("run.json"));
        HttpClient http = HttpClient.newHttpClient();
        try (LiveDashboard dash = LiveDashboard.start(); RunsWatcher w = RunsWatcher.start(dash, root, 50)) {
            String index = get(http, dash.uri());
            assertTrue(index.contains("<a href=\"/run/lenet-adam-1a2b3c4d/\">lenet adam</a>"), "listed by its name: " + index);
            String page = get(http, dash.uri().resolve("run/lenet-adam-1a2b3c4d/"));
            assertTrue(page.contains("<h1>lenet adam</h1>") && page.contains("<title>nnviz: lenet adam</title>"),
                    "the name its report and comparisons use: " + page);
        }
    }

    @Test
    void aRootsRunsAreShownAndKeptCurrent() throws Exception {
        Path root = dir.resolve("runs");
        write(root, "first", 10);
        HttpClient http = HttpClient.newHttpClient();
        try (LiveDashboard dash = LiveDashboard.start(); RunsWatcher w = RunsWatcher.start(dash, root, 50)) {
            assertEquals(List.of("first"), w.shown());
            assertTrue(get(http, dash.uri()).contains("/run/first/"));
            write(root, "second", 5); // a run that starts later
            waitFor(http, dash.uri(), b -> b.contains("/run/second/"));
            assertTrue(get(http, dash.uri().resolve("run/first/state.json")).contains("\"lossPoints\":10"));
            write(root, "first", 30); // the first run writes on
            waitFor(http, dash.uri().resolve("run/first/state.json"), b -> b.contains("\"lossPoints\":30"));
            assertEquals(List.of("first", "second"), w.shown());

            // the comparison page: both runs in its table and its overlaid loss, drawn again as a run writes on
            String state = get(http, dash.uri().resolve("run/compare/state.json"));
            assertTrue(state.contains("\"table\":") && state.contains("\"id\":\"runs-loss\""), state);
            String table = get(http, dash.uri().resolve("run/compare/table.html"));
            assertTrue(table.contains("<tr data-run=\"first\">") && table.contains("<tr data-run=\"second\">"), table);
            assertTrue(table.contains("<td>0.0333333</td>"), "first's last loss (step 30) in the table: " + table);
            String loss = get(http, dash.uri().resolve("run/compare/figure/runs-loss.svg"));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("<g class=\"series\" data-points=\"([^\"]*)\"><title>first</title>").matcher(loss);
            assertTrue(m.find(), "first's loss overlaid");
            assertEquals(30, m.group(1).split(";").length);
            assertTrue(loss.contains("<title>second</title>"), "second's loss overlaid");
            write(root, "third", 7);
            waitFor(http, dash.uri().resolve("run/compare/table.html"), b -> b.contains("<tr data-run=\"third\">"));
            assertTrue(get(http, dash.uri()).contains("/run/compare/"), "the index links the comparison");
            assertEquals(404, http.send(HttpRequest.newBuilder(dash.uri().resolve("run/first/table.html")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "a run's page has no runs table");
        }
    }
}
