package io.nnviz.testkit;

import io.nnviz.api.Tensor;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks a gradient against central finite differences of a score computed by the framework
 * itself, at the inputs with the largest gradient. Points where the one-sided differences disagree
 * (a ReLU or max-pool kink within the step) say nothing about the derivative and are skipped;
 * {@code points} smooth ones must be found and agree.
 */
public final class FiniteDifferences {
    /** The score of an input given as flat values in the input's layout. */
    @FunctionalInterface
    public interface Score {
        double of(float[] input) throws Exception;
    }

    private FiniteDifferences() {
    }

    /**
     * Asserts that {@code gradient} (the input's shape) matches finite differences of {@code score}
     * with step {@code h}, within {@code tolerance} relative to max(1, |fd|), at {@code points} points.
     */
    public static void assertMatches(Tensor input, Tensor gradient, Score score, double h, double tolerance, int points)
            throws Exception {
        assertEquals(input.shape(), gradient.shape());
        float[] x = input.toArray();
        Integer[] order = new Integer[x.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(Math.abs(gradient.getFlat(b)), Math.abs(gradient.getFlat(a))));
        assertTrue(Math.abs(gradient.getFlat(order[0])) > 1e-6, "the input gradient is zero");
        double base = score.of(x);
        int checked = 0;
        for (int k = 0; k < order.length && checked < points; k++) {
            int i = order[k];
            float keep = x[i];
            x[i] = (float) (keep + h);
            double up = (score.of(x) - base) / h;
            x[i] = (float) (keep - h);
            double down = (base - score.of(x)) / h;
            x[i] = keep;
            if (Math.abs(up - down) > 0.05 * Math.max(Math.max(Math.abs(up), Math.abs(down)), 1e-3)) {
                continue;
            }
            double fd = (up + down) / 2;
            assertEquals(fd, gradient.getFlat(i), tolerance * Math.max(1, Math.abs(fd)), "d score / d input[" + i + "]");
            checked++;
        }
        assertEquals(points, checked, "points where the score is smooth enough to check");
    }
}
