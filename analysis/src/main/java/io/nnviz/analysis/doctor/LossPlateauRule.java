package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import java.util.List;

/**
 * A loss that does not move: over at least {@code minSteps} steps, the median loss of the last
 * quarter of the points is within {@code minChange} (relative) of the median of the first tenth,
 * or the two medians differ by no more than their batch noise explains (three standard errors
 * of the difference, from each window's median absolute deviation) while that is under
 * {@link #NOISE_CAP} of the loss. Medians make a trend over hundreds of steps stand out of the
 * batch noise; a network that learns anything moves its loss by far more than 10% in that time
 * (the examples' networks halve it in their first hundred steps). The noise bound is what keeps a
 * frozen network found when its batches' losses scatter by more than {@code minChange}: a
 * fixed threshold alone misses it whenever the two windows' data differ by chance. A learning
 * rate of 0 or far too low, frozen layers, or updates that vanish leave the loss where it
 * started. A {@link Severity#WARNING}.
 *
 * @param minSteps  steps the run must span before it is judged (default 200)
 * @param minChange the relative change under which the loss "does not move" (default 0.03)
 */
public record LossPlateauRule(long minSteps, double minChange) implements Rule {
    /** The rule with its default thresholds. */
    public static final LossPlateauRule DEFAULT = new LossPlateauRule(200, 0.03);
    /** Its id. */
    public static final String ID = "loss-plateau";
    /** The largest relative change the batch noise may explain away: beyond it the loss moved, however noisy. */
    public static final double NOISE_CAP = 0.10;
    /** The standard errors of the medians' difference within which it is noise (a 0.3% chance of a flat loss passing it). */
    private static final double NOISE_SIGMAS = 3;

    /** Validates the thresholds. */
    public LossPlateauRule {
        if (minSteps < 1 || !(minChange > 0)) {
            throw new IllegalArgumentException("minSteps >= 1 and minChange > 0; got " + minSteps + ", " + minChange);
        }
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> check(TrainingRecord run) {
        Curve c = run.stepSeries("loss").finitePrefix();
        if (c.size() < 20 || c.x(c.size() - 1) - c.x(0) < minSteps) {
            return List.of();
        }
        double[] y = c.ys();
        int head = Math.max(5, y.length / 10), tail = Math.max(5, y.length / 4);
        double first = Curves.median(y, 0, head), last = Curves.median(y, y.length - tail, y.length);
        double change = Math.abs(last - first), noise = NOISE_SIGMAS * Math.hypot(Curves.medianError(y, 0, head, first),
                Curves.medianError(y, y.length - tail, y.length, last));
        double bound = Math.max(minChange * Math.abs(first), Math.min(noise, NOISE_CAP * Math.abs(first)));
        if (!(first != 0) || !(change < bound)) {
            return List.of();
        }
        String m = "The loss has not moved in " + Curves.step(c.x(c.size() - 1) - c.x(0)) + " steps: its median was " + Curves.num(first)
                + " over steps " + Curves.step(c.x(0)) + " to " + Curves.step(c.x(head - 1)) + " and is " + Curves.num(last) + " over the last "
                + tail + " points (a change of " + Curves.percent(Math.abs(last - first) / Math.abs(first)) + ").";
        return List.of(Finding.atStep(Severity.WARNING, ID, (long) c.x(0), List.of(), m,
                "Nothing is being learnt: check that the learning rate is not 0 or far too low, that the layers are trainable"
                        + " (not frozen), and that the updates reach the weights (update ratios, gradient norms).",
                List.of(Evidence.step("loss"))));
    }
}
