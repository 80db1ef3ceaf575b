package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import java.util.ArrayList;
import java.util.List;

/**
 * Gradients that explode: a layer's gradient RMS grown more than {@code growth} times from its
 * first captures (the median of the first {@code minCaptures}) to its latest (the median of the
 * last {@code minCaptures}), or an earlier layer's gradient RMS over {@code depthRatio} times the
 * deepest layer's (growing toward the input). Pascanu, Mikolov and Bengio (2013, "On the
 * difficulty of training recurrent neural networks") describe the explosion and its usual cure,
 * gradient norm clipping; healthy runs keep each layer's gradient within an order or two of where
 * it started. A {@link Severity#WARNING}: it usually ends in divergence or NaN.
 *
 * @param growth      the growth over time past which gradients explode (default 100)
 * @param depthRatio  an earlier layer's RMS over the deepest's past which they explode with depth (default 100)
 * @param minCaptures captures at each end of the run the medians take (default 3)
 */
public record ExplodingGradientsRule(double growth, double depthRatio, int minCaptures) implements Rule {
    /** The rule with its default thresholds. */
    public static final ExplodingGradientsRule DEFAULT = new ExplodingGradientsRule(100, 100, 3);
    /** Its id. */
    public static final String ID = "exploding-gradients";

    /** Validates the thresholds. */
    public ExplodingGradientsRule {
        if (!(growth > 1) || !(depthRatio > 1) || minCaptures < 1) {
            throw new IllegalArgumentException("growth > 1, depthRatio > 1, minCaptures >= 1; got " + growth + ", " + depthRatio + ", " + minCaptures);
        }
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> check(TrainingRecord run) {
        GradientDepth d = GradientDepth.of(run, 2 * minCaptures);
        List<String> grown = new ArrayList<>();
        long since = -1;
        double most = 0;
        String mostLayer = null;
        for (String layer : d.layers) {
            Curve c = d.curves.get(layer).finitePrefix();
            if (c.size() < 2 * minCaptures) {
                continue;
            }
            double[] y = c.ys();
            double early = Curves.median(y, 0, minCaptures), late = Curves.median(y, y.length - minCaptures, y.length);
            if (early > 0 && late > growth * early) {
                grown.add(layer);
                int i = 0;
                while (i < y.length && !(y[i] > growth * early)) {
                    i++;
                }
                long at = (long) c.x(Math.min(i, y.length - minCaptures));
                since = since < 0 ? at : Math.min(since, at);
                if (late / early > most) {
                    most = late / early;
                    mostLayer = layer;
                }
            }
        }
        List<String> deep = new ArrayList<>();
        double deepMost = 0;
        if (d.layers.size() >= 2) {
            for (String layer : d.layers.subList(0, d.layers.size() - 1)) {
                Curve r = d.ratioToDeepest(layer);
                if (r.size() >= minCaptures) {
                    double median = Curves.tailMedian(r, Math.max(minCaptures, r.size() / 2));
                    if (median > depthRatio) {
                        deep.add(layer);
                        deepMost = Math.max(deepMost, median);
                        int from = Curves.holdsFrom(r.ys(), v -> v > depthRatio);
                        long at = (long) r.x(Math.max(0, from));
                        since = since < 0 ? at : Math.min(since, at);
                    }
                }
            }
        }
        if (grown.isEmpty() && deep.isEmpty()) {
            return List.of();
        }
        List<String> layers = new ArrayList<>(grown);
        deep.stream().filter(l -> !layers.contains(l)).forEach(layers::add);
        StringBuilder m = new StringBuilder("Gradients explode");
        if (!grown.isEmpty()) {
            m.append(": ").append(mostLayer).append("'s gradient grew ").append(Curves.times(most)).append(" from its first captures")
                    .append(grown.size() > 1 ? " (" + grown.size() + " layers grew over " + Curves.times(growth) + ")" : "");
        }
        if (!deep.isEmpty()) {
            m.append(grown.isEmpty() ? ": " : "; ").append(deep.get(0)).append("'s gradient is ").append(Curves.times(deepMost))
                    .append(" the last layer's (").append(d.deepest()).append("), growing toward the input");
        }
        m.append(", from step ").append(Curves.step(since)).append('.');
        return List.of(Finding.atStep(Severity.WARNING, ID, since, layers, m.toString(),
                "Clip gradients by norm, lower the learning rate, and normalize (batch or layer normalization); check the"
                        + " initialisation's scale.", d.evidence(layers.get(0))));
    }
}
