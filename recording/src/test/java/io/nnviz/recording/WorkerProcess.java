package io.nnviz.recording;

import io.nnviz.analysis.Curve;
import io.nnviz.recording.run.RunLog;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link RunWriterMain} in a JVM of its own, with the steps it printed (step to the loss's bits)
 * read from its output as it runs: what the worker logged, to compare with what is read back.
 */
public final class WorkerProcess {
    private final Process process;
    private final Map<Long, Long> steps = new HashMap<>();
    private final StringBuilder other = new StringBuilder();
    private final Thread reader;

    private WorkerProcess(Process process) {
        this.process = process;
        this.reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    String[] f = line.split(" ");
                    synchronized (steps) {
                        if (f.length == 3 && f[0].equals("step")) {
                            steps.put(Long.parseLong(f[1]), Long.parseLong(f[2]));
                        } else if (other.length() < 20_000) {
                            other.append(line).append('\n');
                        }
                    }
                }
            } catch (IOException e) {
                // a killed worker's pipe closes
            }
        });
        reader.start();
    }

    /** Starts {@code RunWriterMain ARGS...} on this JVM's class path. */
    public static WorkerProcess start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), RunWriterMain.class.getName()));
        cmd.addAll(List.of(args));
        return new WorkerProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /** Waits for the worker to end by itself; false if it did not within {@code seconds} or failed. */
    public boolean finished(int seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS) && process.exitValue() == 0;
    }

    /** Waits until the worker printed {@code n} steps (at most {@code seconds}), then kills it with SIGKILL: no shutdown hook, no flush. */
    public void killAfter(int n, int seconds) throws InterruptedException {
        for (long t0 = System.nanoTime(); printed() < n; Thread.sleep(20)) {
            if (System.nanoTime() - t0 > seconds * 1_000_000_000L || !process.isAlive()) {
                throw new AssertionError("the worker did not get to step " + n + ":\n" + output());
            }
        }
        process.destroyForcibly().waitFor();
        reader.join(10_000);
    }

    /** The number of steps printed so far. */
    public int printed() {
        synchronized (steps) {
            return steps.size();
        }
    }

    /** The loss printed for {@code step}, or null if none was (yet). */
    public Double loss(long step) {
        synchronized (steps) {
            Long bits = steps.get(step);
            return bits == null ? null : Double.longBitsToDouble(bits);
        }
    }

    /** What else the worker printed (its errors). */
    public String output() {
        synchronized (steps) {
            return other.toString();
        }
    }

    /**
     * Waits for workers 0-2 (300 steps each), kills worker 3 after 400, then checks {@code read}
     * (called after the kill) against what each printed; returns the killed one's steps read back.
     */
    public static int assertThreeCompleteAndAPrefix(List<WorkerProcess> workers, Callable<Runs> read) throws Exception {
        for (int w = 0; w < 3; w++) {
            assertTrue(workers.get(w).finished(180), "worker " + w + " finished:\n" + workers.get(w).output());
        }
        workers.get(3).killAfter(400, 180);
        Runs runs = read.call();
        assertTrue(runs.problems().isEmpty(), runs.problems().toString());
        assertEquals(4, runs.logs().size());
        int prefix = -1;
        for (RunLog r : runs.logs()) {
            WorkerProcess want = workers.get(Integer.parseInt(r.info().name().substring("worker-".length())));
            Curve loss = r.stepSeries("loss");
            if (!r.info().name().equals("worker-3")) {
                assertEquals(300, loss.size(), r.info().name() + " complete");
            } else {
                prefix = loss.size();
                assertTrue(loss.size() >= 100, "the killed worker's prefix: " + loss.size() + " steps");
            }
            int checked = 0;
            for (int i = 0; i < loss.size(); i++) {
                Double printed = want.loss((long) loss.x(i));
                if (printed != null) { // a step logged after its print may not have been printed yet when the worker died
                    assertEquals(printed, loss.y(i), 0, r.info().name() + " step " + loss.x(i));
                    checked++;
                }
            }
            assertTrue(checked >= loss.size() - 5, r.info().name() + ": " + checked + " of " + loss.size() + " values printed");
        }
        return prefix;
    }
}
