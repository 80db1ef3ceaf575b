package io.nnviz.cli;

import io.nnviz.recording.format.RunJson;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 27: the machine's faults are exit 2 with one line naming the place and the cause, and
 * leave nothing behind: an output folder nobody may create (under /sys, refused to root too) and a
 * full disk (a 256 KB tmpfs mounted for the test; the tests run as root, as CI does).
 */
class FaultsTest {
    @TempDir
    Path dir;
    private Path mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null) {
            new ProcessBuilder("umount", mounted.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Path runsRoot() throws Exception {
        Path root = dir.resolve("runs");
        MutableRunLog log = MutableRunLog.create(RunInfo.named("faults").with(Map.of("lr", 0.1), List.of(), List.of()), 1000);
        for (int s = 1; s <= 50; s++) {
            log.scalar("loss", s, 2.0 / s);
        }
        RunJson.write(log, Files.createDirectories(root.resolve("faults-1")).resolve("run.json"));
        return root;
    }

    @Test
    void anOutputFolderThatCannotBeMadeIsExitTwoNamingIt() throws Exception {
        Path pt = CliRun.fixture("backend-djl/src/test/resources/torchscript/small_cnn.pt", dir);
        CliRun.of("inspect", pt, "--out", "/sys/nnviz-out", "--quiet").refused(2, "/sys/nnviz-out");
        CliRun.of("runs", runsRoot(), "--out", "/sys/nnviz-out").refused(2, "/sys/nnviz-out");
    }

    @Test
    void aFullDiskIsExitTwoAndLeavesNothingBehind() throws Exception {
        mounted = Files.createDirectories(dir.resolve("small"));
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mounted.toString()).inheritIO().start();
        assertTrue(m.waitFor(30, TimeUnit.SECONDS) && m.exitValue() == 0, "mounting a small tmpfs (needs root, as CI has)");
        Files.write(mounted.resolve("filler"), new byte[200 * 1024]); // what is left cannot hold a report's PNGs
        Path pt = CliRun.fixture("backend-djl/src/test/resources/torchscript/small_cnn.pt", dir);
        CliRun r = CliRun.of("inspect", pt, "--out", mounted.resolve("out"), "--quiet").refused(2, "");
        assertTrue(r.err.contains("No space left on device") || r.err.contains("disk is full"), r.err);
        CliRun s = CliRun.of("runs", runsRoot(), "--out", mounted.resolve("cmp")).refused(2, "");
        assertTrue(s.err.contains("No space left on device") || s.err.contains("disk is full"), s.err);
        assertEquals(List.of("filler"), CliRun.files(mounted), "no partial output, no temporary file left");
    }
}
