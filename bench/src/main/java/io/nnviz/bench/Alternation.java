package io.nnviz.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * Runs several variants of one training loop in turns, block by block, in one JVM, and reports
 * each variant's mean step time against the first, overall and paired block against block (the
 * overhead method of issues #4, #5 and #6). Each round of blocks runs the variants in a new random
 * order (seeded, so runs repeat): work a variant leaves behind (a background thread still busy, GC
 * debt) lands on a random next variant, not always on the same one, which would bias the A/A control. Each step is timed on its own too, so that the report can say what the steps
 * of each kind cost (those that capture nothing, those that read weights, those that read
 * activations): the amortized figure says whether a target is met, the breakdown says where the
 * time goes.
 */
public final class Alternation {
    /** Runs training step {@code step} (counted from 0 over all blocks) of {@code variant}. */
    public interface Body {
        void step(int variant, int step) throws Exception;
    }

    private final long[][] wall, cpu, stepWall;
    /** The variant whose turn came just before each variant's block (-1 for the first block of all). */
    private final int[][] before;
    private final int blockSize;

    private Alternation(int variants, int blocks, int blockSize) {
        wall = new long[variants][blocks];
        cpu = new long[variants][blocks];
        stepWall = new long[variants][blocks * blockSize];
        before = new int[variants][blocks];
        this.blockSize = blockSize;
    }

    public static Alternation run(int variants, int blocks, int blockSize, Body body) throws Exception {
        Alternation a = new Alternation(variants, blocks, blockSize);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Random rnd = new Random(20261128L);
        List<Integer> order = new ArrayList<>();
        for (int v = 0; v < variants; v++) {
            order.add(v);
        }
        int last = -1;
        for (int b = 0; b < blocks; b++) {
            Collections.shuffle(order, rnd);
            for (int v : order) {
                a.before[v][b] = last;
                last = v;
                long c0 = threads.getCurrentThreadCpuTime(), total = 0;
                for (int s = b * blockSize; s < (b + 1) * blockSize; s++) {
                    long t0 = System.nanoTime();
                    body.step(v, s);
                    long t = System.nanoTime() - t0;
                    a.stepWall[v][s] = t;
                    total += t;
                }
                a.wall[v][b] = total;
                a.cpu[v][b] = threads.getCurrentThreadCpuTime() - c0;
            }
        }
        return a;
    }

    /** The line that says how the variants were run. */
    /**
     * Steps every copy trains before the measured ones. nnviz's per-step code runs once a step, and
     * HotSpot compiles a method with its optimizing compiler (C2) only after about 5,000 calls; until
     * then it runs C1's profiling code, several times slower (the TensorFlow harness measured twice
     * the time inside nnviz after 500 steps). A long run's steady state comes after it. Every copy,
     * hooked or not, trains as long: a copy trained longer ran 2-3% faster on DJL whatever its hook.
     */
    public static final int WARMUP = 6_000;

    /**
     * Steps every copy trains after the warm-up, in one turn each, before the measured turns: they put
     * the hook's capturing steps (multiples of 10, counted from its first) in the middle of a measured
     * block of 10, not on its last step. A capture costs the two steps after it too, and the recorder's
     * budget counts that, but only where those steps follow it: on a block's last step they came
     * after the other variants' turns, a gap the budget takes for a pause, so it did not count them
     * while the wall clock did (2026-12-07). A training's steps follow each other; so do these now.
     */
    public static final int SHIFT = 5;

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
        reportCarryOver(names);
    }

    /**
     * What each variant leaves to the turn after it (work its background threads finish then, the garbage it left):
     * the other variants' blocks that came right after one of its turns, against their blocks that did not, each
     * variant against its own mean, in wall-clock time. A cost nnviz leaves there is nnviz's too, though the hooked
     * variant's own mean does not show it; with the random order one variant may follow another more often than the
     * rest do, which this also explains in an A/A control.
     */
    private void reportCarryOver(String[] names) {
        System.out.println("wall-clock time of the turn after each variant's (other variants' blocks after it, against their blocks after others):");
        for (int v = 0; v < wall.length; v++) {
            double sum = 0;
            int n = 0;
            for (int u = 0; u < wall.length; u++) {
                if (u == v) {
                    continue;
                }
                double after = 0, other = 0;
                int na = 0, no = 0;
                for (int b = 0; b < wall[u].length; b++) {
                    if (before[u][b] == v) {
                        after += wall[u][b];
                        na++;
                    } else if (before[u][b] >= 0) {
                        other += wall[u][b];
                        no++;
                    }
                }
                if (na > 0 && no > 0) {
                    sum += (after / na / (other / no) - 1) * na;
                    n += na;
                }
            }
            System.out.printf("  after %-34s %+.2f%% (%d blocks)%n", names[v], n > 0 ? sum / n * 100 : 0, n);
        }
    }

    /**
     * Per kind of step ({@code kinds} names the kind of the harness's step {@code s}, counted from
     * 0), each variant's mean step time against the first variant's mean over the same steps, and
     * each kind's share of the amortized overhead.
     */
    public void reportByKind(String[] names, IntFunction<String> kinds) {
        int n = stepWall[0].length;
        Map<String, List<Integer>> byKind = new LinkedHashMap<>();
        for (int s = 0; s < n; s++) {
            byKind.computeIfAbsent(kinds.apply(s), k -> new ArrayList<>()).add(s);
        }
        double base = sum(stepWall[0]) / n;
        System.out.println("wall-clock time by kind of step (difference to " + names[0] + " on the same steps; share = its part of the"
                + " amortized overhead):");
        byKind.forEach((kind, steps) -> {
            System.out.printf("  %s (%d steps):%n", kind, steps.size());
            double plain = 0;
            for (int s : steps) {
                plain += stepWall[0][s];
            }
            plain /= steps.size();
            System.out.printf("    %-34s %.3f ms%n", names[0], plain / 1e6);
            for (int v = 1; v < stepWall.length; v++) {
                double m = 0;
                for (int s : steps) {
                    m += stepWall[v][s];
                }
                m /= steps.size();
                System.out.printf("    %-34s %.3f ms (%+.3f ms; share %+.2f%%)%n", names[v], m / 1e6, (m - plain) / 1e6,
                        (m - plain) * steps.size() / n / base * 100);
            }
        });
    }

    private static void report(String what, long[][] t, String[] names, int steps) {
        int blocks = t[0].length;
        System.out.println(what + ":");
        double plainMs = sum(t[0]) / 1e6 / steps;
        System.out.printf("  %-34s mean step %.2f ms%n", names[0], plainMs);
        for (int v = 1; v < t.length; v++) {
            double ms = sum(t[v]) / 1e6 / steps;
            double[] diff = new double[blocks];
            for (int b = 0; b < blocks; b++) {
                diff[b] = (t[v][b] - t[0][b]) / (double) t[0][b];
            }
            double mean = mean(diff), se = Math.sqrt(variance(diff, mean) / blocks);
            System.out.printf("  %-34s mean step %.2f ms, overhead %+.2f%% (paired blocks: %+.2f%% +/- %.2f%% s.e.)%n",
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
