package io.nnviz.analysis.doctor;

import java.util.List;

/**
 * A loss that does not move: over at least {@code minSteps} steps, the median loss of the last
 * quarter of the points is within {@code minChange} (relative) of the median of the first tenth.
 * Batch noise does not hide a trend over hundreds of steps once medians compare them; a
 * network that learns anything moves its loss by far more than 3% in that time (the examples'
 * networks halve it in their first hundred steps). A learning rate of 0 or far too low, frozen
 * layers, or updates that vanish leave it where it started. A {@link Severity#WARNING}.
 *
 * @param minSteps  steps the run must span before it is judged (default 200)
 * @param minChange the relative change under which the loss "does not move" (default 0.03)
 */
public record LossPlateauRule(long minSteps, double minChange) implements Rule {
    /** The rule with its default thresholds. */
    public static final LossPlateauRule DEFAULT = new LossPlateauRule(200, 0.03);
    /** Its id. */
    public static final String ID = "loss-plateau";

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
        if (!(first != 0) || !(Math.abs(last - first) < minChange * Math.abs(first))) {
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
