package io.nnviz.analysis.doctor;

import io.nnviz.api.hook.MetricNames;

import java.util.List;

/**
 * Dead ReLU units: in a layer of the ReLU family, the fraction of units (channels of a
 * convolution) whose output is zero for every sample of a captured batch ({@code dead_units/LAYER},
 * {@link UnitStats#deadFraction}) at or over {@code warnAt} at each of the last {@code minCaptures}
 * captures. A dead unit gets no gradient and never comes back. Karpathy's CS231n notes warn that
 * "as much as 40% of your network can be dead" after a learning rate set too high; Lu et al. (2019,
 * "Dying ReLU and initialization") show whole layers dying in deep narrow networks. Over a batch
 * of 32 samples a healthy layer shows some units silent for all of them (the examples' CNN: 36%
 * of fc1, trained to 80% accuracy), so a layer is named from half its units on. A
 * {@link Severity#WARNING} naming each layer, its fraction and since when.
 *
 * @param warnAt      the fraction of dead units from which a layer is named (default 0.5)
 * @param minCaptures captures in a row it must hold for (default 3)
 */
public record DeadUnitsRule(double warnAt, int minCaptures) implements Rule {
    /** The rule with its default thresholds. */
    public static final DeadUnitsRule DEFAULT = new DeadUnitsRule(0.5, 3);
    /** Its id. */
    public static final String ID = "dead-units";

    /** Validates the thresholds. */
    public DeadUnitsRule {
        UnitFractions.validate(warnAt, minCaptures);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> check(TrainingRecord run) {
        return UnitFractions.finding(run, ID, MetricNames.DEAD_UNITS, warnAt, minCaptures,
                "ReLU units are dead (zero for every sample of the batches captured, so they get no gradient and stay so)",
                "Lower the learning rate, check the biases' initialisation (not large and negative), use He initialisation, or a"
                        + " leaky ReLU or ELU that keeps a gradient below zero.");
    }
}
