package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import java.util.ArrayList;
import java.util.List;

/**
 * A classifier whose loss stays at chance: the cross-entropy of predicting every one of K classes
 * equally is ln K (2.30 for ten classes), so a loss that sits within {@code tolerance} of ln K for
 * the last {@code minSteps} steps or more means the network gives the inputs no thought: labels
 * that do not go with their inputs (shuffled, misaligned), inputs that carry nothing (all zeros,
 * not normalized), or a learning rate so wrong nothing is learnt. Needs the number of classes
 * ({@link TrainingRecord#classes()}); validation accuracy near 1/K, where recorded, is named too.
 * A {@link Severity#WARNING}.
 *
 * @param tolerance relative distance from ln K still "at chance" (default 0.03)
 * @param minSteps  steps the loss must have stayed there (default 200)
 * @param beta      the moving average's weight of the past, as {@link LossDivergenceRule}'s (default 0.98)
 */
public record ChanceLevelRule(double tolerance, long minSteps, double beta) implements Rule {
    /** The rule with its default thresholds. */
    public static final ChanceLevelRule DEFAULT = new ChanceLevelRule(0.03, 200, 0.98);
    /** Its id. */
    public static final String ID = "chance-level";

    /** Validates the thresholds. */
    public ChanceLevelRule {
        if (!(tolerance > 0 && tolerance < 1) || minSteps < 1 || !(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException("0 < tolerance < 1, minSteps >= 1, 0 <= beta < 1; got " + tolerance + ", " + minSteps + ", " + beta);
        }
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> check(TrainingRecord run) {
        int k = run.classes();
        Curve c = run.stepSeries("loss").finitePrefix();
        if (k < 2 || c.size() < 10) {
            return List.of();
        }
        double chance = Math.log(k);
        double[] s = Curves.ema(c.ys(), beta);
        int from = Curves.holdsFrom(s, v -> Math.abs(v - chance) <= tolerance * chance);
        if (from < 0 || c.x(c.size() - 1) - c.x(from) < minSteps) {
            return List.of();
        }
        List<Evidence> evidence = new ArrayList<>(List.of(Evidence.step("loss")));
        String m = "The loss has stayed at chance since step " + Curves.step(c.x(from)) + ": " + Curves.num(s[s.length - 1])
                + " smoothed, against ln " + k + " = " + String.format(java.util.Locale.ROOT, "%.3f", chance) + ", what predicting each of the " + k + " classes equally gives";
        Curve acc = run.epochSeries("validation/accuracy");
        if (!acc.isEmpty() && acc.y(acc.size() - 1) < 1.5 / k) {
            m += "; validation accuracy is " + Curves.percent(acc.y(acc.size() - 1)) + " (chance: " + Curves.percent(1.0 / k) + ")";
            evidence.add(Evidence.epoch("validation/accuracy"));
        }
        return List.of(Finding.atStep(Severity.WARNING, ID, (long) c.x(from), List.of(), m + ".",
                "The network learns nothing from the inputs: check that labels go with their inputs (not shuffled or"
                        + " misaligned), that the inputs are read and scaled as intended, and that the learning rate is not far off.",
                evidence));
    }
}
