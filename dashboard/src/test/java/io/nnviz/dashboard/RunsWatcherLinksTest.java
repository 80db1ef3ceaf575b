package io.nnviz.dashboard;

import io.nnviz.recording.TestRuns;
import io.nnviz.recording.format.RunJson;
import io.nnviz.recording.run.MutableRunLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.nnviz.dashboard.HostHeaderTest.body;
import static io.nnviz.dashboard.HostHeaderTest.raw;
import static io.nnviz.dashboard.HostHeaderTest.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A runs root on the dashboard where someone linked a run's {@code run.json} (and another's event
 * log, and a whole run directory) to a file outside the root: the dashboard must show the real
 * run and nothing of the linked files, on its pages and on the comparison page.
 */
class RunsWatcherLinksTest {
    static final String SECRET = "SECRET-5c1e7a-not-for-the-dashboard";

    @TempDir
    Path dir;

    @Test
    void filesLinkedInFromOutsideTheRootAreNeitherShownNorCompared() throws Exception {
        Path root = Files.createDirectories(dir.resolve("runs")), outside = Files.createDirectories(dir.resolve("private"));
        RunJson.write(TestRuns.losses("real", Map.of("lr", 0.1), 10), Files.createDirectories(root.resolve("real")).resolve("run.json"));
        // a valid run file, so that if it were read its secret would show: in its name, a hyperparameter and a series
        MutableRunLog secret = TestRuns.losses(SECRET, Map.of("token", SECRET), 10);
        secret.scalar(SECRET, 1, 1.0);
        RunJson.write(secret, outside.resolve("secret.json"));
        Files.createSymbolicLink(Files.createDirectories(root.resolve("linked")).resolve("run.json"), outside.resolve("secret.json"));
        Files.createSymbolicLink(root.resolve("linked-dir"), outside);
        Files.copy(outside.resolve("secret.json"), outside.resolve("run.json")); // so the linked directory holds a run too

        try (LiveDashboard dash = LiveDashboard.start(); RunsWatcher w = RunsWatcher.start(dash, root, 50)) {
            assertEquals(List.of("real"), w.shown());
            String host = "Host: 127.0.0.1:" + dash.port() + "\r\nConnection: close\r\n\r\n";
            for (String path : List.of("/", "/run/real/state.json", "/run/compare/", "/run/compare/state.json", "/run/compare/table.html",
                    "/run/compare/figure/runs-loss.svg", "/run/linked/state.json", "/run/linked-dir/state.json")) {
                String r = raw(dash.port(), "GET " + path + " HTTP/1.1\r\n" + host);
                assertFalse(r.contains(SECRET) || r.contains("private"), path + " shows nothing of the linked files: " + r);
                if (path.startsWith("/run/linked")) {
                    assertEquals(404, status(r), path);
                } else {
                    assertEquals(200, status(r), path);
                }
            }
            String table = body(raw(dash.port(), "GET /run/compare/table.html HTTP/1.1\r\n" + host));
            assertTrue(table.contains("<tr data-run=\"real\">"), "the real run is compared: " + table);
        }
    }
}
