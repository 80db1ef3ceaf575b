package io.nnviz.recording;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20's workers on one runs root (on the local file system; the HDFS mini cluster is to come):
 * four worker processes write their runs at once, one is killed with SIGKILL mid-run; the root
 * reads back as three complete runs and the killed one's prefix, every value as its worker logged it.
 */
@Tag("fuzz")
class RunsWorkersTest {
    @TempDir
    Path dir;

    @Test
    void fourWorkersWriteAtOnceAndAKilledOneLeavesAReadablePrefix() throws Exception {
        Path root = dir.resolve("runs");
        List<Process> workers = new ArrayList<>();
        Map<String, Map<Long, Long>> logged = new ConcurrentHashMap<>(); // worker -> step -> loss bits, as printed
        List<Thread> readers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            String name = "worker-" + w;
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                    "-cp", System.getProperty("java.class.path"), RunWriterMain.class.getName(), root.toString(), name, w == 3 ? "0" : "300")
                    .redirectErrorStream(true).start();
            workers.add(p);
            Map<Long, Long> steps = new HashMap<>();
            logged.put(name, steps);
            Thread t = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        String[] f = line.split(" ");
                        if (f.length == 3 && f[0].equals("step")) {
                            synchronized (steps) {
                                steps.put(Long.parseLong(f[1]), Long.parseLong(f[2]));
                            }
                        }
                    }
                } catch (java.io.IOException e) {
                    // the killed worker's pipe closes
                }
            });
            t.start();
            readers.add(t);
        }
        for (int w = 0; w < 3; w++) {
            assertTrue(workers.get(w).waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "worker " + w + " finished");
            assertEquals(0, workers.get(w).exitValue());
        }
        Map<Long, Long> killedSteps = logged.get("worker-3");
        for (long t0 = System.nanoTime(); ; Thread.sleep(20)) {
            synchronized (killedSteps) {
                if (killedSteps.size() >= 400) {
                    break;
                }
            }
            assertTrue(System.nanoTime() - t0 < 120_000_000_000L, "worker 3 got going");
        }
        workers.get(3).destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no flush
        for (Thread t : readers) {
            t.join(10_000);
        }
        Runs runs = Runs.open(root);
        assertTrue(runs.problems().isEmpty(), runs.problems().toString());
        assertEquals(4, runs.logs().size());
        for (RunLog r : runs.logs()) {
            Map<Long, Long> want = logged.get(r.info().name());
            Points loss = r.stepSeries("loss");
            if (!r.info().name().equals("worker-3")) {
                assertEquals(300, loss.size(), r.info().name() + " complete");
            } else {
                assertTrue(loss.size() >= 100 && loss.size() < 1_000_000, "the killed worker's prefix: " + loss.size() + " steps");
            }
            for (int i = 0; i < loss.size(); i++) {
                long step = (long) loss.x(i);
                Long bits;
                synchronized (want) {
                    bits = want.get(step);
                }
                if (bits != null) { // a step logged after its print may not have been printed yet when the worker died
                    assertEquals(Double.longBitsToDouble(bits), loss.y(i), 0, r.info().name() + " step " + step);
                }
            }
        }
        System.out.printf("4 workers: 3 complete runs of 300 steps, the killed one's prefix of %d steps%n",
                runs.logs().stream().filter(l -> l.info().name().equals("worker-3")).findFirst().orElseThrow().stepSeries("loss").size());
    }
}
