package io.nnviz.api.attribution;

import io.nnviz.api.Tensor;

import java.util.Map;
import java.util.Objects;

/**
 * What an attribution method says about one input: how much each part of it drove output unit
 * {@code target}.
 *
 * @param method      the method's name, as figures and tables show it ("Integrated Gradients")
 * @param target      the output unit explained
 * @param values      one attribution per input value, in the input's shape ({@code [1, C, H, W]});
 *                    null for methods that attribute positions only (class activation maps, occlusion)
 * @param positions   signed attribution per position: {@code [H, W]} for images (channels summed),
 *                    {@code [T]} for sequences, {@code [F]} for vectors; what deletion and insertion order by
 * @param diagnostics numbers the method reports about itself, e.g. Integrated Gradients'
 *                    {@code delta}, the gap in its completeness sum
 */
public record Attribution(String method, int target, Tensor values, Tensor positions, Map<String, Double> diagnostics) {
    /** Validates the arguments; copies the diagnostics. */
    public Attribution {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(positions, "positions");
        diagnostics = Map.copyOf(diagnostics);
    }

    /** From input-shaped values; the positions are their sums over channels (or features). */
    static Attribution ofValues(String method, int target, Tensor values, Map<String, Double> diagnostics) {
        return new Attribution(method, target, values, Scores.positions(values, false), diagnostics);
    }

    /**
     * Unsigned attribution per position: the sum of absolute values over channels where values
     * exist (so opposite signs in two channels do not cancel), else the positions' magnitude.
     */
    public Tensor absolutePositions() {
        if (values != null) {
            return Scores.positions(values, true);
        }
        float[] v = positions.toArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.abs(v[i]);
        }
        return Tensor.adopt(v, positions.shape().toArray());
    }

    /** The sum of all values (or positions): for Integrated Gradients, f(input) - f(baseline) up to {@code delta}. */
    public double sum() {
        Tensor t = values != null ? values : positions;
        double s = 0;
        for (int i = 0; i < t.size(); i++) {
            s += t.getFlat(i);
        }
        return s;
    }
}
