package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import io.nnviz.api.hook.MetricNames;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Update : parameter ratios out of the usual band: the ratio of a step's update to the weights'
 * magnitude ({@code update_ratio/LAYER/WEIGHT}, log10, as DL4J's training UI charts it) should be
 * "around 1:1000", and DL4J's visualization guide calls values above 1e-2 (parameters too unstable
 * to learn) or below 1e-4 (changing too slowly) a problem; Karpathy's CS231n notes give the same
 * rule of thumb. A weight is judged by the median of the latest half of its points (at least
 * {@code minPoints}); biases ({@code b}, {@code bias}, {@code beta}) are left out, since they start
 * at 0 and their ratio says nothing of the step size. A {@link Severity#INFO} out of the band
 * [{@code low}, {@code high}], a {@link Severity#WARNING} more than {@code warnDecades} decades out
 * of it: what the learning rate's scale is wrong by.
 *
 * @param low         the band's low end (default 1e-4)
 * @param high        the band's high end (default 1e-2)
 * @param warnDecades decades beyond the band from which it is a warning (default 1)
 * @param minPoints   fewest points of a weight judged (default 3)
 */
public record UpdateRatioRule(double low, double high, double warnDecades, int minPoints) implements Rule {
    /** The rule with DL4J's band. */
    public static final UpdateRatioRule DEFAULT = new UpdateRatioRule(1e-4, 1e-2, 1, 3);
    /** Its id. */
    public static final String ID = "update-ratio";

    /** Validates the thresholds. */
    public UpdateRatioRule {
        if (!(low > 0 && high > low) || !(warnDecades >= 0) || minPoints < 1) {
            throw new IllegalArgumentException("0 < low < high, warnDecades >= 0, minPoints >= 1; got " + low + ", " + high + ", "
                    + warnDecades + ", " + minPoints);
        }
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Finding> check(TrainingRecord run) {
        double lo = Math.log10(low), hi = Math.log10(high);
        Map<String, double[]> out = new LinkedHashMap<>(); // weight -> {median log10, since}
        for (Map.Entry<String, Curve> e : Curves.family(run, MetricNames.UPDATE_RATIO).entrySet()) {
            String weight = e.getKey().substring(e.getKey().lastIndexOf('/') + 1);
            Curve c = e.getValue();
            if (isBias(weight) || c.size() < minPoints) {
                continue;
            }
            double median = Curves.tailMedian(c, Math.max(minPoints, c.size() / 2));
            if (median >= lo && median <= hi || Double.isNaN(median)) {
                continue;
            }
            boolean above = median > hi;
            int from = Curves.holdsFrom(c.ys(), v -> above ? v > hi : v < lo);
            out.put(e.getKey(), new double[] {median, c.x(Math.max(0, from))});
        }
        if (out.isEmpty()) {
            return List.of();
        }
        List<Finding> findings = new ArrayList<>();
        for (boolean above : new boolean[] {true, false}) {
            List<String> weights = new ArrayList<>(), layers = new ArrayList<>(), parts = new ArrayList<>();
            long since = Long.MAX_VALUE;
            Severity sev = Severity.INFO;
            for (Map.Entry<String, double[]> e : out.entrySet()) {
                double m = e.getValue()[0];
                if (m > hi != above) {
                    continue;
                }
                weights.add(e.getKey());
                String layer = e.getKey().substring(0, e.getKey().lastIndexOf('/'));
                if (!layers.contains(layer)) {
                    layers.add(layer);
                }
                parts.add(e.getKey() + " " + Curves.num(Math.pow(10, m)));
                since = Math.min(since, (long) e.getValue()[1]);
                if (m > hi + warnDecades || m < lo - warnDecades) {
                    sev = Severity.WARNING;
                }
            }
            if (weights.isEmpty()) {
                continue;
            }
            String m = "Update : parameter ratios are " + (above ? "above " + Curves.num(high) : "below " + Curves.num(low))
                    + ", outside the usual band of about " + Curves.num(low) + " to " + Curves.num(high) + " (median of the latest half): "
                    + String.join(", ", parts.subList(0, Math.min(6, parts.size()))) + (parts.size() > 6 ? ", and " + (parts.size() - 6) + " more" : "")
                    + ".";
            findings.add(Finding.atStep(sev, ID, since, layers, m, above
                    ? "Each step changes these weights by more than 1% of their size: lower the learning rate (for these layers), or"
                    + " check the initialisation's scale."
                    : "Each step changes these weights by less than 0.01% of their size: raise the learning rate, or check for"
                    + " vanishing gradients and layers frozen by mistake.",
                    weights.stream().map(w -> Evidence.step(MetricNames.UPDATE_RATIO + "/" + w)).toList()));
        }
        return findings;
    }

    /** Biases and normalization shifts, by their names in DL4J, DJL and TensorFlow. */
    private static boolean isBias(String weight) {
        return weight.equals("b") || weight.equalsIgnoreCase("bias") || weight.equals("beta") || weight.endsWith("bias");
    }
}
