package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import io.nnviz.api.hook.MetricNames;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Weights that do not change: a layer every one of whose captured weight histograms is identical
 * (same range, same counts) to its first over at least {@code minSteps} steps and
 * {@code minCaptures} captures. Any update of a trained weight moves its histogram's range or
 * counts; identical histograms mean the layer got no update at all: left frozen by mistake
 * (trainable false, a frozen wrapper), a learning rate of 0 (said when the recorded
 * {@code learning_rate/LAYER} is 0), or no gradient reaching it. Histograms holding NaN are not
 * judged. A {@link Severity#WARNING} (a layer frozen on purpose, as in fine-tuning, is named too).
 *
 * @param minSteps    steps the identical histograms must span (default 50)
 * @param minCaptures histograms of a weight it must have (default 3)
 */
public record FrozenWeightsRule(long minSteps, int minCaptures) implements Rule {
    /** The rule with its default thresholds. */
    public static final FrozenWeightsRule DEFAULT = new FrozenWeightsRule(50, 3);
    /** Its id. */
    public static final String ID = "frozen-weights";

    /** Validates the thresholds. */
    public FrozenWeightsRule {
        if (minSteps < 1 || minCaptures < 2) {
            throw new IllegalArgumentException("minSteps >= 1 and minCaptures >= 2; got " + minSteps + ", " + minCaptures);
        }
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> check(TrainingRecord run) {
        Map<String, Boolean> frozen = new LinkedHashMap<>(); // layer -> every weight judged unchanged
        Map<String, Long> since = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>();
        for (String key : run.histogramKeys()) {
            if (key.endsWith(" (gradient)")) {
                continue;
            }
            List<TrainingRecord.StepHistogram> hs = run.histograms(key);
            String layer = NonFiniteRule.layerOf(key);
            if (hs.size() < minCaptures || hs.get(hs.size() - 1).step() - hs.get(0).step() < minSteps
                    || hs.stream().anyMatch(h -> h.histogram().nonFinite() > 0)) {
                frozen.put(layer, false);
                continue;
            }
            boolean same = hs.stream().allMatch(h -> h.histogram().equals(hs.get(0).histogram()));
            frozen.merge(layer, same, Boolean::logicalAnd);
            since.merge(layer, hs.get(0).step(), Math::min);
            if (same) {
                keys.add(key);
            }
        }
        List<String> layers = frozen.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
        if (layers.isEmpty()) {
            return List.of();
        }
        long from = layers.stream().mapToLong(since::get).min().orElse(0);
        boolean all = layers.size() == frozen.size();
        List<String> zeroRate = new ArrayList<>();
        for (String l : layers) {
            Curve lr = run.stepSeries(MetricNames.learningRate(l));
            if (!lr.isEmpty() && lr.y(lr.size() - 1) == 0) {
                zeroRate.add(l);
            }
        }
        String m = (all ? "No layer's weights have changed" : "The weights of " + String.join(", ", layers) + " have not changed")
                + " since step " + Curves.step(from) + " (identical histograms at every capture)"
                + (zeroRate.isEmpty() ? "" : zeroRate.size() == layers.size() ? ": the learning rate is 0"
                : ": the learning rate of " + String.join(", ", zeroRate) + " is 0") + ".";
        List<Evidence> evidence = new ArrayList<>();
        keys.stream().limit(4).forEach(k -> evidence.add(Evidence.histogram(k)));
        if (!zeroRate.isEmpty()) {
            evidence.add(0, Evidence.step(MetricNames.learningRate(zeroRate.get(0))));
        }
        return List.of(Finding.atStep(Severity.WARNING, ID, from, layers, m,
                "If not meant: make the layers trainable (no frozen wrapper, trainable true), give them a learning rate above 0,"
                        + " and check that a gradient reaches them (dead units after them pass none).", evidence));
    }
}
