package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import io.nnviz.api.hook.MetricNames;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Per-layer fractions of units in a bad state (dead, saturated) as the unit rules judge them: the
 * layers whose fraction has been at or over a threshold at each of the latest captures, with the
 * step since which it has been, input side first.
 */
final class UnitFractions {
    /** A layer over the threshold: its latest fraction and the step since which it has stayed over. */
    record Layer(String name, double latest, long since) {
    }

    private UnitFractions() {
    }

    /** The layers of {@code family} whose last {@code minCaptures} values are all at least {@code threshold}. */
    static List<Layer> over(TrainingRecord run, String family, double threshold, int minCaptures) {
        List<Layer> out = new ArrayList<>();
        for (Map.Entry<String, Curve> e : Curves.family(run, family).entrySet()) {
            Curve c = e.getValue();
            if (c.size() < minCaptures) {
                continue;
            }
            double[] y = c.ys();
            int from = Curves.holdsFrom(y, v -> v >= threshold);
            if (from >= 0 && from <= y.length - minCaptures) {
                out.add(new Layer(e.getKey(), y[y.length - 1], (long) c.x(from)));
            }
        }
        return out;
    }

    /** Refuses thresholds a unit rule cannot use. */
    static void validate(double warnAt, int minCaptures) {
        if (!(warnAt > 0 && warnAt <= 1) || minCaptures < 1) {
            throw new IllegalArgumentException("0 < warnAt <= 1 and minCaptures >= 1; got " + warnAt + ", " + minCaptures);
        }
    }

    /**
     * A unit rule's finding: one {@link Severity#WARNING} naming every layer of {@code family} over
     * {@code warnAt} at its last {@code minCaptures} captures ("{@code what} in fc1 (97% since step
     * 10), ..."), since the earliest of them, with each layer's series as evidence; none if no layer is.
     */
    static List<Finding> finding(TrainingRecord run, String ruleId, String family, double warnAt, int minCaptures, String what,
                                 String advice) {
        List<Layer> layers = over(run, family, warnAt, minCaptures);
        if (layers.isEmpty()) {
            return List.of();
        }
        return List.of(Finding.atStep(Severity.WARNING, ruleId, since(layers), layers.stream().map(Layer::name).toList(),
                what + " in " + describe(layers) + ".", advice,
                layers.stream().map(l -> Evidence.step(MetricNames.ofLayer(family, l.name()))).toList()));
    }

    /** "fc1 (97% since step 10), conv2 (60% since step 200)". */
    static String describe(List<Layer> layers) {
        List<String> parts = new ArrayList<>();
        for (Layer l : layers) {
            parts.add(l.name() + " (" + Curves.percent(l.latest()) + " since step " + Curves.step(l.since()) + ")");
        }
        return String.join(", ", parts);
    }

    /** The earliest step any of them started. */
    static long since(List<Layer> layers) {
        return layers.stream().mapToLong(Layer::since).min().orElse(-1);
    }
}
