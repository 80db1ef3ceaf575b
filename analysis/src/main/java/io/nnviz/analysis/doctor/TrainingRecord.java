package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import io.nnviz.api.Histogram;

import java.util.List;
import java.util.Objects;

/**
 * A training run as the {@link Doctor}'s rules read it: the series and histograms a recorder kept,
 * by name, nothing of any framework. The recorder's run log is one ({@code RunRecord} in
 * nnviz-recording); a test or another tool can give its own.
 *
 * <p>The names the rules read are those of {@link io.nnviz.api.hook.MetricNames}: {@code loss} over
 * steps; {@code train/loss} and {@code validation/loss} over epochs; the per-layer families
 * {@code gradient_rms/LAYER}, {@code dead_units/LAYER}, {@code saturated_units/LAYER},
 * {@code nonfinite_activations/LAYER}, {@code nonfinite_gradients/LAYER}, {@code learning_rate/LAYER}
 * and {@code update_ratio/LAYER/WEIGHT}; {@code predicted_class_share}. A family's members come in
 * the order they were first recorded, which is the model's order (input first): the rules take it
 * for depth. Histogram keys are {@code "LAYER / WEIGHT"}, a gradient's ending in {@code " (gradient)"}.
 */
public interface TrainingRecord {
    /**
     * A histogram recorded at a step.
     *
     * @param step      the global step
     * @param histogram the histogram
     */
    record StepHistogram(long step, Histogram histogram) {
        /** Validates the histogram. */
        public StepHistogram {
            Objects.requireNonNull(histogram, "histogram");
        }
    }

    /** Names of the step series, in the order first recorded. */
    List<String> stepSeriesNames();

    /** A step series (x: global steps); empty if never recorded. */
    Curve stepSeries(String name);

    /** Names of the epoch series, in the order first recorded. */
    List<String> epochSeriesNames();

    /** An epoch series (x: zero-based epochs); empty if never recorded. */
    Curve epochSeries(String name);

    /** Keys of the histograms, in the order first recorded. */
    List<String> histogramKeys();

    /** One key's histograms, oldest first. */
    List<StepHistogram> histograms(String key);

    /** How many classes the model tells apart, or 0 if not known (not a classifier, or not said). */
    int classes();

    /** The latest step recorded (0 before the first). */
    long lastStep();
}
