package io.nnviz.hadoop;

import io.nnviz.recording.Recorder;
import io.nnviz.recording.Runs;
import io.nnviz.recording.SoftmaxRegression;
import io.nnviz.recording.WorkerProcess;
import io.nnviz.analysis.Curve;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.storage.RunStore;
import io.nnviz.recording.storage.RunStores;
import io.nnviz.recording.view.RunComparison;
import io.nnviz.renderers.report.HtmlReport;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20 on a real HDFS: Hadoop's in-process mini cluster (a NameNode and a DataNode in this
 * JVM), with worker processes writing to it over its RPC port as they would to a cluster's.
 */
@Tag("cluster")
class HdfsRunsTest {
    static MiniDFSCluster cluster;
    static String hdfs;

    @BeforeAll
    static void startCluster(@TempDir java.nio.file.Path base) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toString());
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        hdfs = cluster.getFileSystem().getUri().toString(); // hdfs://localhost:PORT
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.shutdown();
        }
    }

    @Test
    void fourWorkerProcessesWriteToHdfsAndAKilledOneLeavesAReadablePrefix() throws Exception {
        String root = hdfs + "/sweeps/workers";
        List<WorkerProcess> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            workers.add(WorkerProcess.start(root, "worker-" + w, w == 3 ? "0" : "300"));
        }
        int prefix = WorkerProcess.assertThreeCompleteAndAPrefix(workers, () -> Runs.open(root));
        System.out.printf("HDFS, 4 worker processes: 3 complete runs of 300 steps, the killed one's prefix of %d steps%n", prefix);

        // what is there is what the issue lists: each run's event log, run.json, TensorBoard files, on HDFS
        FileSystem fs = cluster.getFileSystem();
        Runs runs = Runs.open(root);
        int tensorBoard = 0;
        for (var st : fs.listStatus(new Path("/sweeps/workers"))) {
            assertTrue(fs.exists(new Path(st.getPath(), "events.jsonl")), st.getPath() + " has its event log");
            var tb = fs.listFiles(new Path(st.getPath(), "tensorboard"), true);
            while (tb.hasNext()) {
                tensorBoard += tb.next().getPath().getName().startsWith("events.out.tfevents.") ? 1 : 0;
            }
        }
        assertTrue(tensorBoard >= 4, tensorBoard + " TensorBoard event files");
        // the comparison report of runs read from HDFS
        java.nio.file.Path out = Files.createTempDirectory("hdfs-report");
        java.nio.file.Path index = RunComparison.of(runs.logs()).addTo(HtmlReport.titled("HDFS sweep")).write(out);
        String html = Files.readString(index);
        for (int w = 0; w < 4; w++) {
            assertTrue(html.contains("worker-" + w), "the runs table names worker-" + w);
        }
    }

    @Test
    void twoWorkersShardsOfOneRunAreMergedByStep() throws Exception {
        String root = hdfs + "/sweeps/shards";
        WorkerProcess a = WorkerProcess.start(root, "data-parallel", "200", "run0001", "w0");
        WorkerProcess b = WorkerProcess.start(root, "data-parallel", "200", "run0001", "w1");
        assertTrue(a.finished(180), a.output());
        assertTrue(b.finished(180), b.output());
        Runs runs = Runs.open(root);
        assertTrue(runs.problems().isEmpty(), runs.problems().toString());
        assertEquals(1, runs.logs().size(), "one run, two shards");
        RunLog run = runs.logs().get(0);
        Curve loss = run.stepSeries("loss");
        assertEquals(200, loss.size());
        for (int i = 0; i < loss.size(); i++) {
            long step = (long) loss.x(i);
            double want = (a.loss(step) + b.loss(step)) / 2;
            assertEquals(want, loss.y(i), 1e-12, "step " + step + ": the mean of the two workers' losses");
        }
        assertTrue(a.loss(100) != b.loss(100).doubleValue(), "the workers trained on batches of their own");
        List<String> files = new ArrayList<>();
        var it = cluster.getFileSystem().listFiles(new Path("/sweeps/shards"), true);
        while (it.hasNext()) {
            files.add(it.next().getPath().getName());
        }
        assertTrue(files.contains("events.w0.jsonl") && files.contains("events.w1.jsonl") && !files.contains("run.json"), files.toString());
    }

    @Test
    void theStoreOnHdfsReplacesAppendsAndRefusesWhatItShould() throws Exception {
        try (RunStore store = RunStores.open(hdfs + "/store")) {
            assertInstanceOf(HadoopRunStore.class, store);
            store.replace("a/run.json", "one".getBytes());
            store.replace("a/run.json", "two".getBytes());
            assertEquals("two", new String(store.open("a/run.json").readAllBytes()));
            RunStore.Appender log = store.append("a/events.jsonl");
            assertTrue(log.visibleAtOnce(), "HDFS streams hflush");
            log.append("{\"x\":1}\n".getBytes());
            // another client sees the record before the file is closed
            try (RunStore other = RunStores.open(hdfs + "/store")) {
                assertEquals("{\"x\":1}\n", new String(other.tail("a/events.jsonl", 100)));
            }
            log.close();
            assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> store.create("a/run.json"));
            assertThrows(IOException.class, () -> store.open("../../etc/passwd"));
            assertEquals(List.of("a/events.jsonl", "a/run.json"), store.files("", 1));
            assertEquals(-1, store.size("a/none"));
        }
        IOException e = assertThrows(IOException.class, () -> RunStores.open("nosuchscheme://x/y"));
        assertTrue(e.getMessage().contains("no run store for nosuchscheme"), e.getMessage());
    }

    @Test
    void aNameNodeThatTakesTheConnectionAndNeverAnswersFailsInHalfAMinuteSayingSo() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0)) {
            Thread sink = new Thread(() -> {
                try {
                    while (true) {
                        java.net.Socket s = silent.accept(); // takes the connection, reads, never answers
                        Thread t = new Thread(() -> {
                            try (s) {
                                s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                            } catch (IOException e) {
                                // the client gave up
                            }
                        });
                        t.setDaemon(true);
                        t.start();
                    }
                } catch (IOException e) {
                    // closed
                }
            });
            sink.setDaemon(true);
            sink.start();
            long t0 = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> Runs.open("hdfs://127.0.0.1:" + silent.getLocalPort() + "/runs"));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds < 90, seconds + " s: Hadoop's own defaults would wait minutes");
            assertTrue(e.getMessage().contains("timeout"), e.getMessage());
            System.out.printf("a silent name node: failed after %.1f s: %s%n", seconds, e.getMessage().lines().findFirst().orElse(""));
        }
    }

    @Test
    void aRunOnHdfsIsResumedAndWritesOnInItsOwnLog() throws Exception {
        String root = hdfs + "/sweeps/resume";
        io.nnviz.testkit.FashionMnist data = io.nnviz.testkit.FashionMnist.trainCached(1024);
        SoftmaxRegression net = new SoftmaxRegression(data, 8);
        double[] losses = new double[100];
        Recorder rec = Recorder.builder().name("resumable").runsRoot(root).build();
        try (io.nnviz.api.hook.ManualTraining run = io.nnviz.api.hook.ManualTraining.start(SoftmaxRegression.model(), rec)) {
            for (int s = 0; s < 50; s++) {
                losses[s] = net.step(s);
                run.stepEnd(losses[s], r -> net.snapshot());
            }
        }
        rec.close();
        String dir;
        try (RunStore store = RunStores.open(root)) {
            dir = Runs.directories(store).get(0);
        }
        Recorder again = Recorder.resume(root, dir).build();
        assertEquals(50, again.log().lastStep(), "resumed at its last step");
        try (io.nnviz.api.hook.ManualTraining run = io.nnviz.api.hook.ManualTraining.start(SoftmaxRegression.model(), again)) {
            for (int s = 50; s < 100; s++) {
                losses[s] = net.step(s);
                run.stepEnd(losses[s], r -> net.snapshot());
            }
        }
        again.close();
        Runs runs = Runs.open(root);
        assertEquals(1, runs.logs().size(), "one run, continued");
        Curve loss = runs.logs().get(0).stepSeries("loss");
        assertEquals(100, loss.size());
        for (int i = 0; i < 100; i++) {
            assertEquals(i + 1, loss.x(i));
            assertEquals(losses[i], loss.y(i), 0, "step " + (i + 1));
        }
        List<String> files = new ArrayList<>();
        for (var st : cluster.getFileSystem().listStatus(new Path("/sweeps/resume/" + dir))) {
            files.add(st.getPath().getName());
        }
        assertTrue(files.contains("events.jsonl") && files.stream().noneMatch(f -> f.startsWith("events-")), "HDFS appends: " + files);
        IOException e = assertThrows(IOException.class, () -> Recorder.resume(root, "nothing-here"));
        assertTrue(e.getMessage().contains("no run to resume"), e.getMessage());
    }
}
