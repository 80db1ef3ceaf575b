package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import java.util.ArrayList;
import java.util.List;

/**
 * Gradients that vanish toward the input: a layer whose gradient RMS (per parameter, so layers of
 * any size compare) is under {@code ratio} of the deepest layer's, as the median over the latest
 * half of the captures (at least {@code minCaptures}). Glorot and Bengio (2010, "Understanding the
 * difficulty of training deep feedforward neural networks") show back-propagated gradients shrinking
 * layer by layer in deep sigmoid networks, and the early layers then barely learn; two orders of
 * magnitude between the first and the last layer is far past what a ReLU network with
 * Xavier or He initialisation shows (within one order in the examples). A {@link Severity#WARNING}
 * naming the layers, input side first.
 *
 * @param ratio       a layer's gradient RMS over the deepest layer's under which it vanishes (default 0.01)
 * @param minCaptures fewest captures of the gradients judged (default 3)
 */
public record VanishingGradientsRule(double ratio, int minCaptures) implements Rule {
    /** The rule with its default thresholds. */
    public static final VanishingGradientsRule DEFAULT = new VanishingGradientsRule(0.01, 3);
    /** Its id. */
    public static final String ID = "vanishing-gradients";

    /** Validates the thresholds. */
    public VanishingGradientsRule {
        if (!(ratio > 0 && ratio < 1) || minCaptures < 1) {
            throw new IllegalArgumentException("0 < ratio < 1 and minCaptures >= 1; got " + ratio + ", " + minCaptures);
        }
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> check(TrainingRecord run) {
        GradientDepth d = GradientDepth.of(run, minCaptures);
        if (d.layers.size() < 2) {
            return List.of();
        }
        List<String> vanishing = new ArrayList<>();
        String worst = null;
        double worstRatio = Double.POSITIVE_INFINITY;
        long since = -1;
        for (String layer : d.layers.subList(0, d.layers.size() - 1)) {
            Curve r = d.ratioToDeepest(layer);
            if (r.size() < minCaptures) {
                continue;
            }
            double median = Curves.tailMedian(r, Math.max(minCaptures, r.size() / 2));
            if (median < ratio) {
                vanishing.add(layer);
                if (median < worstRatio) {
                    worstRatio = median;
                    worst = layer;
                }
                int from = Curves.holdsFrom(r.ys(), v -> v < ratio);
                long at = (long) r.x(Math.max(0, from));
                since = since < 0 ? at : Math.min(since, at);
            }
        }
        if (vanishing.isEmpty()) {
            return List.of();
        }
        String first = vanishing.get(0);
        String m = "Gradients vanish toward the input: " + (vanishing.size() == 1 ? "layer " + first + "'s gradient is"
                : vanishing.size() + " layers' gradients are") + " under " + Curves.num(ratio) + " of the last layer's (" + d.deepest()
                + "), per parameter, since step " + Curves.step(since) + "; "
                + (worstRatio == 0 ? worst + " gets no gradient at all (units after it that are dead, or a layer that passes none)"
                : worst + "'s is " + Curves.times(1 / worstRatio) + " smaller") + ", so the early layers barely learn.";
        return List.of(Finding.atStep(Severity.WARNING, ID, since, vanishing, m,
                "Deep stacks of sigmoid or tanh do this: use ReLU-family activations with He or Xavier initialisation, add batch"
                        + " normalization or residual connections, or make the network shallower.", d.evidence(first)));
    }
}
