package io.nnviz.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * nnviz's time inside each measured step of a hooked variant (what its attachment measured where
 * it happens), told apart by size: whether the hook's cost is a little on every step or a lot on a
 * few (captures, a pause that happened to fall inside nnviz's code).
 */
public final class InsideByStep {
    private InsideByStep() {
    }

    /** Prints the distribution of {@code inside} (nanoseconds a step) against an unhooked step of {@code stepMs}. */
    public static void print(long[] inside, double stepMs) {
        long[] sorted = inside.clone();
        Arrays.sort(sorted);
        long over = 0, rest = 0;
        int n = 0;
        for (long t : inside) {
            if (t > 1_000_000) {
                over += t;
                n++;
            } else {
                rest += t;
            }
        }
        System.out.printf("  by step: median %.3f ms, 90th percentile %.3f ms, 99th %.3f ms, max %.1f ms; %d steps over 1 ms:"
                        + " %.2f%% of an unhooked step amortized, the other %d: %.2f%%%n", at(sorted, 0.5), at(sorted, 0.9), at(sorted, 0.99),
                sorted[sorted.length - 1] / 1e6, n, over / 1e6 / inside.length / stepMs * 100, inside.length - n,
                rest / 1e6 / inside.length / stepMs * 100);
    }

    /** Prints the mean of {@code inside} (nanoseconds a step) over the steps of each kind ({@code kinds} of a step's index). */
    public static void printByKind(long[] inside, IntFunction<String> kinds) {
        Map<String, long[]> sums = new LinkedHashMap<>();
        for (int s = 0; s < inside.length; s++) {
            long[] sum = sums.computeIfAbsent(kinds.apply(s), k -> new long[2]);
            sum[0] += inside[s];
            sum[1]++;
        }
        sums.forEach((kind, sum) -> System.out.printf("  %s (%d steps): %.3f ms on average%n", kind, sum[1], sum[0] / 1e6 / sum[1]));
    }

    private static double at(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
    }
}
