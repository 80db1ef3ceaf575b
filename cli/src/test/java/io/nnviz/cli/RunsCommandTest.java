package io.nnviz.cli;

import io.nnviz.recording.format.RunJson;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code nnviz runs ROOT}: the runs of a root compared in one report; a damaged run is named and left out; no root is exit 2. */
class RunsCommandTest {
    @TempDir
    Path dir;

    @Test
    void runsComparesEveryRunOfARoot() throws Exception {
        Path root = dir.resolve("runs");
        for (int r = 0; r < 2; r++) {
            MutableRunLog log = MutableRunLog.create(RunInfo.named("run " + r).with(Map.of("lr", 0.1 / (r + 1)), List.of("cli"), List.of()), 1000);
            for (int s = 1; s <= 20; s++) {
                log.scalar("loss", s, 2.0 / (s + r));
            }
            RunJson.write(log, Files.createDirectories(root.resolve("run-" + r)).resolve("run.json"));
        }
        Files.writeString(Files.createDirectories(root.resolve("broken")).resolve("run.json"), "{\"format\":");
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("runs", root, "--out", out).expect(0);
        assertTrue(r.out.contains("2 runs compared (1 left out)"), r.out);
        assertTrue(r.err.contains("broken"), "the damaged run is named: " + r.err);
        String html = Files.readString(out.resolve("index.html"));
        assertTrue(html.contains("data-run=\"run 0\"") && html.contains("data-run=\"run 1\""), "both runs in the table");
        assertTrue(Files.exists(out.resolve("figures/runs-loss.svg")), "the overlaid loss");
        CliRun.of("runs", dir.resolve("nowhere"), "--out", dir.resolve("never")).refused(2, "nowhere");
        // the same root as a file: URI; a scheme nothing serves, and a name node that refuses, are exit 2 saying so
        CliRun.of("runs", root.toUri().toString(), "--out", dir.resolve("out-uri")).expect(0);
        assertTrue(Files.exists(dir.resolve("out-uri/index.html")), "the report of a file: URI root");
        CliRun.of("runs", "nosuch://host/runs", "--out", dir.resolve("never")).refused(2, "no run store for nosuch://");
        CliRun.of("runs", "hdfs://127.0.0.1:1/runs", "--out", dir.resolve("never")).refused(2, "Connection refused");
    }
}
