package io.nnviz.renderers.canvas;

import io.nnviz.api.DType;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/** Number formatting for coordinates (compact, locale-free) and for labels people read. */
public final class Num {
    private Num() {
    }

    /** A coordinate with at most two decimals, appended without allocation-heavy formatting. */
    public static void coord(StringBuilder sb, double v) {
        if (!Double.isFinite(v)) {
            sb.append('0');
            return;
        }
        long scaled = Math.round(v * 100);
        if (scaled < 0) {
            sb.append('-');
            scaled = -scaled;
        }
        sb.append(scaled / 100);
        long frac = scaled % 100;
        if (frac != 0) {
            sb.append('.');
            if (frac < 10) {
                sb.append('0').append(frac);
            } else {
                sb.append(frac % 10 == 0 ? frac / 10 : frac);
            }
        }
    }

    /** A value for a label: 3 significant digits, scientific for very large or small magnitudes. */
    public static String label(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e5 || a < 1e-3) {
            return String.format(Locale.ROOT, "%.2e", v);
        }
        String s = String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3g", v);
        if (s.contains(".") && !s.contains("e")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }

    /**
     * The labels of one axis's ticks, all in one format, so an axis never mixes "0.0011", "0.00105"
     * and "9.50e-04": plain decimals with as many places as the finest tick needs (every label
     * with the same number of places; for values that are not round, such as a colour bar's ends,
     * three significant digits of the largest), or, where that would take more than four places or
     * the ticks reach 100,000, scientific notation with as many significant digits as tell the
     * ticks apart, at least three for values that are not round (every label with the same number). A log axis's powers of ten are plain between 0.001 and
     * 10,000, else scientific, one significant digit each. Zero is "0".
     */
    public static String[] axisLabels(double[] ticks, boolean log) {
        String[] out = new String[ticks.length];
        double most = 0, step = Double.POSITIVE_INFINITY;
        double[] sorted = ticks.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (Double.isFinite(sorted[i])) {
                most = Math.max(most, Math.abs(sorted[i]));
                if (i > 0 && Double.isFinite(sorted[i - 1]) && sorted[i] > sorted[i - 1]) {
                    step = Math.min(step, sorted[i] - sorted[i - 1]);
                }
            }
        }
        step = Double.isFinite(step) ? step : most > 0 ? most : 1;
        String format;
        if (log) {
            boolean plain = true;
            for (double t : ticks) {
                plain &= !(t != 0 && (Math.abs(t) < 1e-3 || Math.abs(t) >= 1e5));
            }
            format = plain ? null : "%.0e";
        } else {
            int places = 0; // the fewest decimal places that write every tick exactly (to a millionth of the step)
            while (places < 12 && !exact(ticks, places, step)) {
                places++;
            }
            // values that are no round ticks (a colour bar's ends): three significant digits of the largest, or as many as tell them apart
            int apart = (int) (Math.floor(Math.log10(most)) - Math.floor(Math.log10(step))) + 1;
            boolean round = round(ticks, step); // ticks of an axis, multiples of 1, 2 or 5 x 10^k
            int digits = Math.max(round ? 1 : 3, Math.min(6, apart));
            int rounded = digits - 1 - (int) Math.floor(Math.log10(most));
            if (places <= 4 && most < 1e5) {
                format = "%." + places + "f";
            } else if (rounded >= 0 && rounded <= 4 && most < 1e5) {
                format = "%." + rounded + "f";
            } else {
                format = "%." + (digits - 1) + "e";
            }
        }
        for (int i = 0; i < ticks.length; i++) {
            double t = Math.abs(ticks[i]) < step * 1e-9 ? 0 : ticks[i];
            out[i] = !Double.isFinite(t) ? label(t) : t == 0 ? "0" : format == null ? plainPower(t) : String.format(Locale.ROOT, format, t);
        }
        return out;
    }

    /** Whether every value is a multiple of {@code step} and the step is 1, 2, 2.5 or 5 times a power of ten: an axis's ticks. */
    private static boolean round(double[] ticks, double step) {
        double mantissa = step / Math.pow(10, Math.floor(Math.log10(step)));
        boolean nice = false;
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            nice |= Math.abs(mantissa - m) < 1e-6;
        }
        for (double t : ticks) {
            nice &= !Double.isFinite(t) || Math.abs(t / step - Math.rint(t / step)) < 1e-6;
        }
        return nice;
    }

    private static boolean exact(double[] ticks, int places, double step) {
        double scale = Math.pow(10, places);
        for (double t : ticks) {
            if (Double.isFinite(t) && Math.abs(Math.round(t * scale) / scale - t) > step * 1e-6) {
                return false;
            }
        }
        return true;
    }

    /** A power of ten (or any tick of a log axis) in plain decimals, as few places as it needs: 0.001, 0.1, 10. */
    private static String plainPower(double t) {
        return BigDecimal.valueOf(t).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    /** A count with thousands separators: 1,234,567. */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /**
     * A model's parameter total, with the floating-point and the quantized totals apart when it
     * stores any weight in a type other than float32: "44,017,990 parameters (14,470 float32,
     * 44,003,520 quantized uint8)".
     */
    public static String parameters(Map<DType, Long> byDtype) {
        long total = 0;
        for (long n : byDtype.values()) {
            total += n;
        }
        String all = count(total) + " parameters";
        if (byDtype.isEmpty() || byDtype.size() == 1 && byDtype.containsKey(DType.FLOAT32)) {
            return all;
        }
        StringBuilder b = new StringBuilder(all).append(" (");
        String sep = "";
        for (Map.Entry<DType, Long> e : byDtype.entrySet()) {
            b.append(sep).append(count(e.getValue())).append(e.getKey().floating() ? " " : " quantized ").append(e.getKey().name());
            sep = ", ";
        }
        return b.append(')').toString();
    }

    /** A count in short form: 1.2M, 35.6K, 6,400, 812. */
    public static String shortCount(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.1fB", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        }
        if (n >= 10_000L) {
            return String.format(Locale.ROOT, "%.1fK", n / 1e3);
        }
        return String.format(Locale.ROOT, "%,d", n); // grouped as the summary table's counts: 6,400 beside 79.7K
    }
}
