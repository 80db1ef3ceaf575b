package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import java.util.List;

/**
 * The loss diverging: its smoothed value rising above {@code factor} times its best so far and
 * above where training started. The smoothing and the factor are those of fastai's learning-rate
 * finder (an exponential moving average with {@code beta} 0.98 and bias correction; the search
 * stops once the smoothed loss passes 4 times its minimum), the usual test of "this learning rate
 * is too high". An {@link Severity#ERROR} if the loss stays up (or becomes NaN), a
 * {@link Severity#WARNING} if it comes back down.
 *
 * @param factor    how many times its best the smoothed loss must rise to (default 4)
 * @param beta      the moving average's weight of the past (default 0.98)
 * @param minPoints fewest loss points the rule judges (default 10)
 */
public record LossDivergenceRule(double factor, double beta, int minPoints) implements Rule {
    /** The rule with fastai's values. */
    public static final LossDivergenceRule DEFAULT = new LossDivergenceRule(4, 0.98, 10);
    /** Its id. */
    public static final String ID = "loss-divergence";

    /** Validates the thresholds. */
    public LossDivergenceRule {
        if (!(factor > 1) || !(beta >= 0 && beta < 1) || minPoints < 2) {
            throw new IllegalArgumentException("factor > 1, 0 <= beta < 1, minPoints >= 2; got " + factor + ", " + beta + ", " + minPoints);
        }
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> check(TrainingRecord run) {
        Curve all = run.stepSeries("loss"), c = all.finitePrefix();
        if (c.size() < minPoints) {
            return List.of();
        }
        double[] y = c.ys(), s = Curves.ema(y, beta);
        double start = y[0], best = Double.POSITIVE_INFINITY; // the untrained network's loss: a divergence can come within five steps
        int bestAt = 0, crossed = -1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] < best) {
                best = s[i];
                bestAt = i;
            }
            if (best > 0 && s[i] > factor * best && s[i] > start) {
                crossed = i;
                break;
            }
        }
        if (crossed < 0) {
            return List.of();
        }
        double limit = factor * best;
        double end = s[s.length - 1];
        boolean wentNaN = c.size() < all.size();
        boolean stayed = wentNaN || end > limit;
        String m = "The loss diverged: smoothed, it rose from its best, " + Curves.num(best) + " at step " + Curves.step(c.x(bestAt))
                + ", past " + Curves.num(factor) + " times that at step " + Curves.step(c.x(crossed)) + " (above where training started, "
                + Curves.num(start) + ")";
        if (wentNaN) {
            m += ", then became " + Curves.num(all.y(c.size())) + " at step " + Curves.step(all.x(c.size())) + ".";
        } else if (stayed) {
            m += ", and is still " + Curves.num(end) + " at step " + Curves.step(c.x(c.size() - 1)) + ".";
        } else {
            int back = crossed;
            while (back < s.length && s[back] > limit) {
                back++;
            }
            m += ", and came back under it by step " + Curves.step(c.x(Math.min(back, s.length - 1))) + ".";
        }
        return List.of(Finding.atStep(stayed ? Severity.ERROR : Severity.WARNING, ID, (long) c.x(crossed), List.of(), m,
                "The steps are too large for this point of training: lower the learning rate (or lengthen its warm-up), clip"
                        + " gradients, and check for bad batches.", List.of(Evidence.step("loss"))));
    }
}
