package io.nnviz.analysis.doctor;

import io.nnviz.api.hook.MetricNames;

import java.util.List;

/**
 * Saturated units: in a tanh or sigmoid layer, the fraction of outputs within 1% of the function's
 * limits ({@code saturated_units/LAYER}, {@link UnitStats#saturatedFraction}) at or over
 * {@code warnAt} at each of the last {@code minCaptures} captures. There the derivative is near 0
 * and little gradient passes (LeCun et al. 1998, "Efficient BackProp"; Glorot and Bengio 2010 show
 * the top sigmoid layer of a deep network saturating for much of training). A
 * {@link Severity#WARNING} naming each layer, its fraction and since when.
 *
 * @param warnAt      the fraction of saturated outputs from which a layer is named (default 0.5)
 * @param minCaptures captures in a row it must hold for (default 3)
 */
public record SaturatedUnitsRule(double warnAt, int minCaptures) implements Rule {
    /** The rule with its default thresholds. */
    public static final SaturatedUnitsRule DEFAULT = new SaturatedUnitsRule(0.5, 3);
    /** Its id. */
    public static final String ID = "saturated-units";

    /** Validates the thresholds. */
    public SaturatedUnitsRule {
        UnitFractions.validate(warnAt, minCaptures);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> check(TrainingRecord run) {
        return UnitFractions.finding(run, ID, MetricNames.SATURATED_UNITS, warnAt, minCaptures,
                "Units are saturated (outputs within 1% of the tanh or sigmoid limits, where almost no gradient passes)",
                "Scale the inputs (zero mean, unit variance), use Xavier initialisation, lower the learning rate, add batch"
                        + " normalization, or use ReLU-family activations in hidden layers.");
    }
}
