package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoublePredicate;

/** The arithmetic the rules share over curves: smoothing, medians, windows, families, and numbers in words. */
final class Curves {
    private Curves() {
    }

    /**
     * An exponential moving average with bias correction, as fastai's learning-rate finder smooths
     * the loss: {@code avg = beta * avg + (1 - beta) * y; smoothed = avg / (1 - beta^(i+1))}.
     * Non-finite values are not averaged in (the average carries on).
     */
    static double[] ema(double[] y, double beta) {
        double[] out = new double[y.length];
        double avg = 0, weight = 0;
        for (int i = 0; i < y.length; i++) {
            if (Double.isFinite(y[i])) {
                avg = beta * avg + (1 - beta) * y[i];
                weight = beta * weight + (1 - beta);
            }
            out[i] = weight == 0 ? Double.NaN : avg / weight;
        }
        return out;
    }

    /** The median of the finite values of {@code y[from..to)}, or NaN if none. */
    static double median(double[] y, int from, int to) {
        int lo = Math.max(0, from), hi = Math.min(y.length, to), n = 0;
        double[] v = new double[Math.max(0, hi - lo)];
        for (int i = lo; i < hi; i++) { // a loop, not a stream: rules take a median at every point of a series
            if (Double.isFinite(y[i])) {
                v[n++] = y[i];
            }
        }
        if (n == 0) {
            return Double.NaN;
        }
        Arrays.sort(v, 0, n);
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /**
     * The standard error of {@code m}, the median of the finite values of {@code y[from..to)}, from
     * their median absolute deviation: 1.4826 MAD estimates a normal scatter's sigma, and the
     * median of n draws scatters by 1.2533 sigma / sqrt(n). NaN if there are none.
     */
    static double medianError(double[] y, int from, int to, double m) {
        double[] dev = Arrays.stream(y, Math.max(0, from), Math.min(y.length, to)).filter(Double::isFinite).map(v -> Math.abs(v - m)).toArray();
        return 1.2533 * 1.4826 * median(dev, 0, dev.length) / Math.sqrt(dev.length);
    }

    /** The median of a curve's last {@code n} values. */
    static double tailMedian(Curve c, int n) {
        double[] y = c.ys();
        return median(y, y.length - n, y.length);
    }

    /**
     * The first index from which {@code holds} is true of every value to the end, or -1 if the last
     * value fails it.
     */
    static int holdsFrom(double[] y, DoublePredicate holds) {
        int i = y.length;
        while (i > 0 && holds.test(y[i - 1])) {
            i--;
        }
        return i == y.length ? -1 : i;
    }

    /**
     * The members of a family ({@code "gradient_rms/conv1"}, ...) among the step series, by member
     * (the part after {@code family + "/"}), in the order first recorded: the model's order.
     */
    static Map<String, Curve> family(TrainingRecord run, String family) {
        Map<String, Curve> out = new LinkedHashMap<>();
        String prefix = family + "/";
        for (String n : run.stepSeriesNames()) {
            if (n.startsWith(prefix) && n.length() > prefix.length()) {
                out.put(n.substring(prefix.length()), run.stepSeries(n));
            }
        }
        return out;
    }

    /** A step as text: {@code 1,210}. */
    static String step(double step) {
        return String.format(Locale.ROOT, "%,d", (long) step);
    }

    /** A value in three significant figures: {@code 2.30}, {@code 0.000412}, {@code 3.10e+06}. */
    static String num(double v) {
        if (!Double.isFinite(v)) {
            return Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
        }
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-4 || a >= 1e6)) {
            return String.format(Locale.ROOT, "%.2e", v);
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    /** A fraction as a percentage: {@code 97%}. */
    static String percent(double f) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * f);
    }

    /** A factor in words: {@code 3,400x}. */
    static String times(double f) {
        return f >= 1e6 ? String.format(Locale.ROOT, "%.2ex", f) : f >= 100 ? String.format(Locale.ROOT, "%,.0fx", f)
                : String.format(Locale.ROOT, "%.1fx", f);
    }
}
