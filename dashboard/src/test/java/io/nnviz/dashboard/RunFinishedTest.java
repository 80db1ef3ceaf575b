package io.nnviz.dashboard;

import io.nnviz.recording.Recorder;
import io.nnviz.recording.Runs;
import io.nnviz.recording.TestRuns;
import io.nnviz.recording.format.RunEvents;
import io.nnviz.recording.run.RunLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 26: the dashboard said "live" forever after training ended. A recorder's close marks the
 * run finished (in its log, at the end of its event log and in its run.json), and a page's state
 * says so, whether the page shows the recorder in this process or the run read from its files.
 */
class RunFinishedTest {
    @TempDir
    Path dir;

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
    void aClosedRecordersPagesSayFinishedInThisProcessAndFromItsFiles() throws Exception {
        Path root = dir.resolve("runs");
        Recorder rec = TestRuns.softmaxSteps(Recorder.builder().name("softmax").runsRoot(root).build(), 12); // its attachment closed, not it
        HttpClient http = HttpClient.newHttpClient();
        try (LiveDashboard dash = LiveDashboard.start(); RunsWatcher w = RunsWatcher.start(dash, root, 50)) {
            URI here = dash.show("here", rec).resolve("state.json");
            assertTrue(get(http, here).contains("\"finished\":false"), "training may go on: " + get(http, here));
            for (long t0 = System.nanoTime(); w.shown().isEmpty() && System.nanoTime() - t0 < 10_000_000_000L; ) {
                Thread.sleep(50);
            }
            URI fromFiles = dash.uri().resolve("run/" + w.shown().get(0) + "/state.json"); // the run's directory, NAME-ID8
            waitFor(http, fromFiles, b -> b.contains("\"step\":12"));
            assertTrue(get(http, fromFiles).contains("\"finished\":false"), get(http, fromFiles));

            rec.close();
            assertTrue(get(http, here).contains("\"finished\":true"), get(http, here));
            waitFor(http, fromFiles, b -> b.contains("\"finished\":true")); // read again from the files the close wrote
            waitFor(http, dash.uri().resolve("run/compare/state.json"), b -> b.contains("\"finished\":true"));
        }
        // the files: the event log ends with the end record, run.json says when
        Path run = Files.list(root).filter(Files::isDirectory).findFirst().orElseThrow();
        List<String> events = Files.readAllLines(run.resolve("events.jsonl"));
        assertTrue(events.get(events.size() - 1).matches("\\{\"end\":[0-9]{13}}"), events.get(events.size() - 1));
        assertTrue(Files.readString(run.resolve("run.json")).contains("\"finished\" : \""), "run.json says when it finished");
        RunEvents.Read log = RunEvents.read(run.resolve("events.jsonl"), 1000);
        assertEquals(0, log.badLines(), "the end record is read, not skipped");
        assertEquals(rec.log().finishedAt(), log.log().finishedAt(), "the event log alone tells it");
        RunLog back = Runs.open(root).logs().get(0);
        assertEquals(rec.log().finishedAt(), back.finishedAt(), "read back, finished at the same time");

        // a finished run resumed goes on: no longer finished, in memory or read back
        Recorder again = Recorder.resume(root.toString(), run.getFileName().toString()).build();
        try {
            assertFalse(again.log().finishedAt().isPresent());
            TestRuns.softmaxSteps(again, 3);
            again.flush();
            assertFalse(Runs.open(root).logs().get(0).finishedAt().isPresent(), "values after the end: it goes on");
        } finally {
            again.close();
        }
        assertTrue(Runs.open(root).logs().get(0).finishedAt().isPresent(), "and ends again");
    }
}
