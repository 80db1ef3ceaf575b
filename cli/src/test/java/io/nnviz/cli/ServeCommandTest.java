package io.nnviz.cli;

import io.nnviz.recording.format.RunJson;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code nnviz serve ROOT}: the dashboard over a runs root on loopback, serving until stopped; a missing root is exit 2. */
class ServeCommandTest {
    @TempDir
    Path dir;

    @Test
    void serveShowsTheRootsRunsUntilStopped() throws Exception {
        Path root = dir.resolve("runs");
        MutableRunLog log = MutableRunLog.create(RunInfo.named("only").with(Map.of(), List.of(), List.of()), 100);
        log.scalar("loss", 1, 0.5);
        RunJson.write(log, Files.createDirectories(root.resolve("only")).resolve("run.json"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread serve = new Thread(() -> Main.execute(new String[] {"serve", root.toString(), "--every", "100"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        serve.start();
        try {
            Matcher m = null;
            for (long t0 = System.nanoTime(); System.nanoTime() - t0 < 20_000_000_000L; Thread.sleep(50)) {
                m = Pattern.compile("serving 1 runs of .* at (http://127\\.0\\.0\\.1:\\d+/)").matcher(out.toString(StandardCharsets.UTF_8));
                if (m.find()) {
                    break;
                }
                m = null;
            }
            assertTrue(m != null, "the address is printed: " + out);
            String index = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(m.group(1))).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(index.contains("/run/only/"), index);
        } finally {
            serve.interrupt();
            serve.join(10_000);
        }
        assertTrue(!serve.isAlive(), "stopped");
        CliRun.of("serve", dir.resolve("nowhere")).refused(2, "nowhere");
    }
}
