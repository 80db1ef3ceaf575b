package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import java.util.ArrayList;
import java.util.List;

/**
 * Overfitting: the validation loss rising while the training loss falls. Prechelt's
 * "generalization loss" (1998, "Early Stopping — But When?") is how far the validation loss
 * stands above its best so far, {@code GL = val / min(val) - 1}; his GL criteria stop training
 * once it passes a few percent. Here it is named when GL passes {@code generalizationLoss} for
 * each of the last {@code patience} epochs (one noisy epoch is not a trend) and the training loss
 * is lower than at the validation loss's best. Read from the epoch series {@code validation/loss}
 * and {@code train/loss} (the step series of the same names if there are no epoch ones). A
 * {@link Severity#WARNING} at the first epoch after the best.
 *
 * @param generalizationLoss the rise over the best validation loss that counts (default 0.1: 10%)
 * @param patience           epochs in a row it must hold (default 2)
 */
public record OverfittingRule(double generalizationLoss, int patience) implements Rule {
    /** The rule with its default thresholds. */
    public static final OverfittingRule DEFAULT = new OverfittingRule(0.1, 2);
    /** Its id. */
    public static final String ID = "overfitting";

    /** Validates the thresholds. */
    public OverfittingRule {
        if (!(generalizationLoss > 0) || patience < 1) {
            throw new IllegalArgumentException("generalizationLoss > 0 and patience >= 1; got " + generalizationLoss + ", " + patience);
        }
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> check(TrainingRecord run) {
        boolean epochs = !run.epochSeries("validation/loss").isEmpty();
        Curve val = (epochs ? run.epochSeries("validation/loss") : run.stepSeries("validation/loss")).finitePrefix();
        Curve train = (epochs ? run.epochSeries("train/loss") : run.stepSeries("train/loss")).finitePrefix();
        if (val.size() < patience + 1 || train.isEmpty()) {
            return List.of();
        }
        int best = 0;
        for (int i = 1; i < val.size(); i++) {
            best = val.y(i) < val.y(best) ? i : best;
        }
        double min = val.y(best);
        if (!(min > 0) || val.size() - 1 - best < patience) {
            return List.of();
        }
        for (int i = val.size() - patience; i < val.size(); i++) {
            if (!(val.y(i) / min - 1 > generalizationLoss)) {
                return List.of();
            }
        }
        int tBest = nearest(train, val.x(best));
        double trainAtBest = train.y(tBest), trainNow = train.y(train.size() - 1);
        if (!(trainNow < trainAtBest)) {
            return List.of();
        }
        double now = val.y(val.size() - 1);
        String unit = epochs ? "epoch " : "step ";
        double shift = epochs ? 1 : 0; // epochs counted from 1, as the charts count them
        String m = "The model overfits: validation loss was at its best, " + Curves.num(min) + ", at " + unit + Curves.step(val.x(best) + shift)
                + " and has risen " + Curves.percent(now / min - 1) + " since, to " + Curves.num(now) + " at " + unit
                + Curves.step(val.x(val.size() - 1) + shift) + ", while training loss fell from " + Curves.num(trainAtBest) + " to " + Curves.num(trainNow) + ".";
        String advice = "It is learning the training set by heart: stop at the best " + (epochs ? "epoch" : "step")
                + " (early stopping, a checkpoint there), add data or augmentation, or regularize (weight decay, dropout, a smaller model).";
        List<Evidence> evidence = new ArrayList<>();
        evidence.add(epochs ? Evidence.epoch("validation/loss") : Evidence.step("validation/loss"));
        evidence.add(epochs ? Evidence.epoch("train/loss") : Evidence.step("train/loss"));
        return List.of(epochs ? Finding.atEpoch(Severity.WARNING, ID, (int) val.x(best + 1), List.of(), m, advice, evidence)
                : Finding.atStep(Severity.WARNING, ID, (long) val.x(best + 1), List.of(), m, advice, evidence));
    }

    /** The index of the point of {@code c} at or just before {@code x} (the first point if none is). */
    private static int nearest(Curve c, double x) {
        int i = 0;
        while (i + 1 < c.size() && c.x(i + 1) <= x) {
            i++;
        }
        return i;
    }
}
