package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import java.util.ArrayList;
import java.util.List;

/**
 * Loss spikes that undo training: a step whose loss jumps above where training started and to
 * {@code factor} times the median over the previous {@code window} points, after that median had
 * come down to below {@code progress} of the start, and comes back down after (the median of the
 * next quarter window is under the start again; a loss that stays up is
 * {@link LossDivergenceRule}'s). Batch-to-batch noise does not do that; a step too large for the point
 * training reached does (the "instability" of large learning rates, and of Adam's first steps
 * after a plateau; Wortsman et al. 2023, "Small-scale proxies for large-scale Transformer training
 * instabilities"). The thresholds are nnviz's own: batch noise puts single batches of the
 * examples' runs at up to 4 times their running median (the regressor's mean squared error), never
 * 5. {@link Severity#INFO} for one or two, {@link Severity#WARNING} from {@code warnAt} on.
 *
 * @param window   points the running median covers, and the start's median (default 20)
 * @param progress the share of the starting loss the running median must have come below (default 0.5)
 * @param factor   how many times the running median a spike's loss is at least (default 5)
 * @param warnAt   spikes from which it is a warning (default 3)
 */
public record LossSpikesRule(int window, double progress, double factor, int warnAt) implements Rule {
    /** The rule with its default thresholds. */
    public static final LossSpikesRule DEFAULT = new LossSpikesRule(20, 0.5, 5, 3);
    /** Its id. */
    public static final String ID = "loss-spikes";

    /** Validates the thresholds. */
    public LossSpikesRule {
        if (window < 3 || !(progress > 0 && progress < 1) || !(factor > 1) || warnAt < 1) {
            throw new IllegalArgumentException("window >= 3, 0 < progress < 1, factor > 1, warnAt >= 1; got " + window + ", " + progress
                    + ", " + factor + ", " + warnAt);
        }
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> check(TrainingRecord run) {
        Curve c = run.stepSeries("loss").finitePrefix();
        if (c.size() < 3 * window) {
            return List.of();
        }
        double[] y = c.ys();
        double start = Curves.median(y, 0, window);
        if (!(start > 0)) {
            return List.of();
        }
        List<Integer> spikes = new ArrayList<>();
        int after = Math.max(1, window / 4);
        for (int i = 2 * window; i + after < y.length; i++) {
            double before = Curves.median(y, i - window, i);
            if (y[i] > start && y[i] > factor * before && before < progress * start && Curves.median(y, i + 1, i + 1 + after) < start) {
                spikes.add(i);
            }
        }
        if (spikes.isEmpty()) {
            return List.of();
        }
        int first = spikes.get(0), worst = first;
        for (int i : spikes) {
            worst = y[i] > y[worst] ? i : worst;
        }
        String m = spikes.size() + (spikes.size() == 1 ? " step's loss" : " steps' losses") + " jumped above where training started ("
                + Curves.num(start) + ") after it had come down, first at step " + Curves.step(c.x(first)) + "; the worst, "
                + Curves.num(y[worst]) + " at step " + Curves.step(c.x(worst)) + ", was " + Curves.times(y[worst] / Curves.median(y, worst - window, worst))
                + " the loss of the steps before it.";
        return List.of(Finding.atStep(spikes.size() >= warnAt ? Severity.WARNING : Severity.INFO, ID, (long) c.x(first), List.of(), m,
                "Single steps too large for where training is: lower the learning rate or decay it, clip gradients, warm up Adam;"
                        + " check the batches at those steps for bad data.", List.of(Evidence.step("loss"))));
    }
}
