package io.nnviz.recording;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Issue 20's workers on one local runs root (the same on HDFS: nnviz-hadoop's HdfsRunsTest): four
 * worker processes write their runs at once, one is killed with SIGKILL mid-run; the root reads
 * back as three complete runs and the killed one's prefix, every value as its worker logged it.
 */
@Tag("fuzz")
class RunsWorkersTest {
    @TempDir
    Path dir;

    @Test
    void fourWorkersWriteAtOnceAndAKilledOneLeavesAReadablePrefix() throws Exception {
        Path root = dir.resolve("runs");
        List<WorkerProcess> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            workers.add(WorkerProcess.start(root.toString(), "worker-" + w, w == 3 ? "0" : "300"));
        }
        int prefix = WorkerProcess.assertThreeCompleteAndAPrefix(workers, () -> Runs.open(root));
        System.out.printf("4 workers: 3 complete runs of 300 steps, the killed one's prefix of %d steps%n", prefix);
    }
}
