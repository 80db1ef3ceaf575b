package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import io.nnviz.api.hook.MetricNames;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * NaN or infinite values: the step they first appear (in the loss, which is recorded every step,
 * or in the per-layer counts a backend reports on that step, or in a weight or gradient histogram),
 * and the layer they first appear in: in the forward pass the first layer whose output holds them;
 * if the forward pass was finite, the deepest layer whose gradient holds them (where
 * backpropagation met them first); else the first layer whose captured weights or gradients hold
 * them. Always an {@link Severity#ERROR}: from then on training only propagates NaN. No thresholds.
 */
public record NonFiniteRule() implements Rule {
    /** The rule. */
    public static final NonFiniteRule DEFAULT = new NonFiniteRule();
    /** Its id. */
    public static final String ID = "non-finite";
    private static final String GRADIENT = " (gradient)";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> check(TrainingRecord run) {
        Curve loss = run.stepSeries("loss");
        long lossAt = firstNonFinite(loss);
        Map<String, Curve> acts = Curves.family(run, MetricNames.NONFINITE_ACTIVATIONS);
        Map<String, Curve> grads = Curves.family(run, MetricNames.NONFINITE_GRADIENTS);
        long countsAt = Math.min(firstPositive(acts), firstPositive(grads));
        long[] histAt = {Long.MAX_VALUE};
        List<String> histKeys = new ArrayList<>();
        for (String key : run.histogramKeys()) {
            for (TrainingRecord.StepHistogram h : run.histograms(key)) {
                if (h.histogram().nonFinite() > 0) {
                    if (h.step() < histAt[0]) {
                        histAt[0] = h.step();
                        histKeys.clear();
                    }
                    if (h.step() == histAt[0]) {
                        histKeys.add(key);
                    }
                    break;
                }
            }
        }
        long at = Math.min(lossAt, Math.min(countsAt, histAt[0]));
        if (at == Long.MAX_VALUE) {
            return List.of();
        }
        List<Evidence> evidence = new ArrayList<>();
        evidence.add(Evidence.step("loss"));
        StringBuilder m = new StringBuilder();
        String lossWent = lossAt == Long.MAX_VALUE ? null : Curves.num(loss.y(loss.indexOf(lossAt))) + " at step " + Curves.step(lossAt);
        if (lossAt == at) {
            m.append("The loss became ").append(lossWent);
        } else {
            m.append("NaN or infinite values appeared at step ").append(Curves.step(at));
            if (lossWent != null) {
                m.append(", before the loss did (").append(lossWent).append(')'); // a step's gradient, applied: the next loss
            }
        }
        List<String> layers = new ArrayList<>();
        if (countsAt != Long.MAX_VALUE && countsAt <= histAt[0]) { // the evidence of the earliest step names the layer
            String first = firstAt(acts, countsAt, false);
            if (first != null) {
                layers.add(first);
                m.append("; the first layer whose output holds them is ").append(first).append(" (forward pass of step ")
                        .append(Curves.step(countsAt)).append(")");
                evidence.add(Evidence.step(MetricNames.ofLayer(MetricNames.NONFINITE_ACTIVATIONS, first)));
            } else if (firstAt(grads, countsAt, true) != null) {
                String deepest = firstAt(grads, countsAt, true);
                layers.add(deepest);
                boolean last = new ArrayList<>(grads.keySet()).indexOf(deepest) == grads.size() - 1;
                m.append("; every layer output checked at step ").append(Curves.step(countsAt)).append(" was finite, and the deepest layer"
                        + " whose gradient holds them is ").append(deepest).append(", where backpropagation met them first")
                        .append(last ? " (the last layer: its output or the loss overflowed)" : "");
                evidence.add(Evidence.step(MetricNames.ofLayer(MetricNames.NONFINITE_GRADIENTS, deepest)));
            }
        } else if (!histKeys.isEmpty()) {
            // a gradient captured holding them is nearer their origin than the weights it was applied to: the deepest such
            String key = histKeys.stream().filter(k -> k.endsWith(GRADIENT)).reduce((a, b) -> b).orElse(histKeys.get(0));
            boolean gradient = key.endsWith(GRADIENT);
            layers.add(layerOf(key));
            m.append("; the ").append(gradient ? "deepest" : "first").append(" layer whose captured ").append(gradient ? "gradients" : "weights")
                    .append(" hold them is ").append(layerOf(key)).append(" (step ").append(Curves.step(histAt[0])).append(")");
            evidence.add(Evidence.histogram(key));
        }
        m.append('.');
        Curve finite = loss.finitePrefix();
        if (finite.size() >= 2) {
            double best = Double.POSITIVE_INFINITY;
            int bestAt = 0;
            for (int i = 0; i < finite.size(); i++) {
                if (finite.y(i) < best) {
                    best = finite.y(i);
                    bestAt = i;
                }
            }
            double last = finite.y(finite.size() - 1);
            if (last > 2 * best && best > 0) {
                m.append(" Before that the loss grew ").append(Curves.times(last / best)).append(", from ").append(Curves.num(best))
                        .append(" at step ").append(Curves.step(finite.x(bestAt))).append(" to ").append(Curves.num(last))
                        .append(" at step ").append(Curves.step(finite.x(finite.size() - 1))).append(": the steps were too large.");
            }
        }
        return List.of(Finding.atStep(Severity.ERROR, ID, at, layers, m.toString(),
                "Lower the learning rate (a tenth is a common first try), clip gradients, and check the inputs and any log or"
                        + " division in the loss for zeros; training on from here only spreads NaN.", evidence));
    }

    /** The step of the first value that is not finite, or {@code Long.MAX_VALUE}. */
    private static long firstNonFinite(Curve c) {
        for (int i = 0; i < c.size(); i++) {
            if (!Double.isFinite(c.y(i))) {
                return (long) c.x(i);
            }
        }
        return Long.MAX_VALUE;
    }

    /** The first step at which any member counts a value (or is not finite itself), or {@code Long.MAX_VALUE}. */
    private static long firstPositive(Map<String, Curve> family) {
        long first = Long.MAX_VALUE;
        for (Curve c : family.values()) {
            for (int i = 0; i < c.size(); i++) {
                if (!(c.y(i) <= 0)) {
                    first = Math.min(first, (long) c.x(i));
                    break;
                }
            }
        }
        return first;
    }

    /** The first member (or the last, {@code deepest}) counting a value at {@code step}, or null. */
    private static String firstAt(Map<String, Curve> family, long step, boolean deepest) {
        String found = null;
        for (Map.Entry<String, Curve> e : family.entrySet()) {
            int i = e.getValue().indexOf(step);
            if (i >= 0 && !(e.getValue().y(i) <= 0)) {
                found = e.getKey();
                if (!deepest) {
                    return found;
                }
            }
        }
        return found;
    }

    /** The layer of a histogram key {@code "layer / weight"}. */
    static String layerOf(String key) {
        int cut = key.indexOf(" / ");
        return cut > 0 ? key.substring(0, cut) : key;
    }
}
