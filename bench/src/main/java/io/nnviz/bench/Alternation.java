package io.nnviz.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Runs several variants of one training loop in turns, block by block, in one JVM, and reports
 * each variant's mean step time against the first, overall and paired block against block (the
 * overhead method of issues #4, #5 and #6). The order rotates every block so that no variant
 * always runs first.
 */
public final class Alternation {
    /** Runs {@code steps} training steps of {@code variant} for block {@code block}. */
    public interface Body {
        void run(int variant, int block) throws Exception;
    }

    private final long[][] wall, cpu;

    private Alternation(int variants, int blocks) {
        wall = new long[variants][blocks];
        cpu = new long[variants][blocks];
    }

    public static Alternation run(int variants, int blocks, Body body) throws Exception {
        Alternation a = new Alternation(variants, blocks);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int b = 0; b < blocks; b++) {
            for (int k = 0; k < variants; k++) {
                int v = (b + k) % variants;
                long t0 = System.nanoTime(), c0 = threads.getCurrentThreadCpuTime();
                body.run(v, b);
                a.wall[v][b] = System.nanoTime() - t0;
                a.cpu[v][b] = threads.getCurrentThreadCpuTime() - c0;
            }
        }
        return a;
    }

    /** The line that says how the variants were run. */
    public static String describe(int steps, int blocks, int block, int cycle, int warmup) {
        return String.format("%d steps per variant in %d blocks of %d (%d whole %d-step sampling cycles), after %d warm-up steps",
                steps, blocks, block, steps / cycle, cycle, warmup);
    }

    /** Mean wall-clock step time of variant 0 in milliseconds. */
    public double baselineMs(int steps) {
        return sum(wall[0]) / 1e6 / steps;
    }

    public void report(String[] names, int steps, String cpuNote) {
        report("wall-clock time", wall, names, steps);
        report("CPU time of the training thread" + cpuNote, cpu, names, steps);
    }

    private static void report(String what, long[][] t, String[] names, int steps) {
        int blocks = t[0].length;
        System.out.println(what + ":");
        double plainMs = sum(t[0]) / 1e6 / steps;
        System.out.printf("  %-20s mean step %.2f ms%n", names[0], plainMs);
        for (int v = 1; v < t.length; v++) {
            double ms = sum(t[v]) / 1e6 / steps;
            double[] diff = new double[blocks];
            for (int b = 0; b < blocks; b++) {
                diff[b] = (t[v][b] - t[0][b]) / (double) t[0][b];
            }
            double mean = mean(diff), se = Math.sqrt(variance(diff, mean) / blocks);
            System.out.printf("  %-20s mean step %.2f ms, overhead %+.2f%% (paired blocks: %+.2f%% +/- %.2f%% s.e.)%n",
                    names[v], ms, (ms / plainMs - 1) * 100, mean * 100, se * 100);
        }
    }

    private static double sum(long[] a) {
        double s = 0;
        for (long v : a) {
            s += v;
        }
        return s;
    }

    private static double mean(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s / a.length;
    }

    private static double variance(double[] a, double m) {
        double s = 0;
        for (double v : a) {
            s += (v - m) * (v - m);
        }
        return a.length > 1 ? s / (a.length - 1) : 0;
    }
}
