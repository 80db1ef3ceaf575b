package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import io.nnviz.api.hook.MetricNames;

import java.util.List;

/**
 * Collapse: the model predicting one class for (nearly) every input. A recorder that captures the
 * model's outputs for a few samples of a batch records the share of them given the most predicted
 * class ({@code predicted_class_share}); a classifier of balanced classes that gives one class
 * {@code share} or more of them at each of the last {@code minCaptures} captures has collapsed to a
 * constant answer (a dead or saturated last layer, a learning rate that threw it there, or one
 * class dominating the data). A {@link Severity#WARNING}.
 *
 * @param share       the share of samples given one class from which it has collapsed (default 0.9)
 * @param minCaptures captures in a row it must hold for (default 3)
 */
public record CollapseRule(double share, int minCaptures) implements Rule {
    /** The rule with its default thresholds. */
    public static final CollapseRule DEFAULT = new CollapseRule(0.9, 3);
    /** Its id. */
    public static final String ID = "collapse";

    /** Validates the thresholds. */
    public CollapseRule {
        if (!(share > 0 && share <= 1) || minCaptures < 1) {
            throw new IllegalArgumentException("0 < share <= 1 and minCaptures >= 1; got " + share + ", " + minCaptures);
        }
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> check(TrainingRecord run) {
        Curve c = run.stepSeries(MetricNames.PREDICTED_CLASS_SHARE);
        if (c.size() < minCaptures) {
            return List.of();
        }
        double[] y = c.ys();
        int from = Curves.holdsFrom(y, v -> v >= share);
        if (from < 0 || from > y.length - minCaptures) {
            return List.of();
        }
        String m = "Predictions have collapsed: since step " + Curves.step(c.x(from)) + " the model gives one class to "
                + Curves.percent(y[y.length - 1]) + " of the samples it was captured on (at each of " + (y.length - from) + " captures).";
        return List.of(Finding.atStep(Severity.WARNING, ID, (long) c.x(from), List.of(), m,
                "A constant answer: check the class balance of the data (weight the loss, resample), lower the learning rate, and"
                        + " look for dead or saturated units in the last layers.", List.of(Evidence.step(MetricNames.PREDICTED_CLASS_SHARE))));
    }
}
