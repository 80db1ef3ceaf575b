package io.nnviz.recording.view;

import io.nnviz.analysis.Curve;
import io.nnviz.recording.run.RunLog;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The runs table of a comparison ({@link RunComparison#table()}): a row per run, its hyperparameters, pace and metrics. */
final class RunsTable {
    private RunsTable() {
    }

    /**
     * The runs table: hyperparameters, steps, duration, steps/s, and the last and best value of
     * every metric, in the charts' order (those every run has first), and each run's colour.
     */
    static RunComparison.Table of(List<RunLog> runs) {
        List<String> names = RunComparison.names(runs);
        RunComparison.Columns columns = RunComparison.Columns.of(runs);
        Set<String> params = columns.params();
        List<RunComparison.Metric> metrics = RunComparison.order(runs, columns);
        List<String> header = new ArrayList<>(List.of("run", "tags"));
        header.addAll(params);
        header.add("steps");
        header.add("duration");
        header.add("steps/s");
        for (RunComparison.Metric m : metrics) {
            header.add(m.name() + (m.epoch() ? " (last epoch)" : " (last)"));
            header.add(m.name() + " (" + best(m.name()) + ")");
        }
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            RunLog r = runs.get(i);
            List<String> row = new ArrayList<>(List.of(names.get(i), String.join(", ", r.info().tags())));
            for (String p : params) {
                row.add(hyperparameter(r.info().hyperparameters().get(p)));
            }
            row.add(Long.toString(r.lastStep()));
            long ms = r.lastWallClock().isPresent() ? r.lastWallClock().getAsLong() - r.info().started().toEpochMilli() : -1;
            row.add(ms < 0 ? "" : duration(ms));
            row.add(ms <= 0 ? "" : String.format(Locale.ROOT, "%.1f", r.lastStep() * 1000.0 / ms));
            for (RunComparison.Metric m : metrics) {
                Curve pts = m.of(r);
                row.add(pts.isEmpty() ? "" : num(pts.last()));
                row.add(pts.isEmpty() ? "" : num(extreme(pts, m.name())));
            }
            rows.add(row);
        }
        List<Integer> colors = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            colors.add(RunComparison.color(i));
        }
        return new RunComparison.Table(header, rows, colors);
    }

    /** Whether lower is better for a metric: losses and errors, else higher (accuracy, F1). */
    private static boolean lowerIsBetter(String metric) {
        String m = metric.toLowerCase(Locale.ROOT);
        return m.contains("loss") || m.contains("error") || m.contains("mse") || m.contains("mae") || m.contains("perplexity");
    }

    private static String best(String metric) {
        return lowerIsBetter(metric) ? "min" : "max";
    }

    private static double extreme(Curve p, String metric) {
        double b = lowerIsBetter(metric) ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        for (int i = 0; i < p.size(); i++) {
            double y = p.y(i);
            if (Double.isFinite(y)) {
                b = lowerIsBetter(metric) ? Math.min(b, y) : Math.max(b, y);
            }
        }
        return b;
    }

    /** A hyperparameter as the user wrote it, unless a long double ({@code 1.5848931924611136E-4}): then 6 significant digits. */
    static String hyperparameter(Object v) {
        if (v == null) {
            return "";
        }
        String s = String.valueOf(v);
        if (v instanceof Double d && s.length() > 12 && Double.isFinite(d)) {
            s = String.format(Locale.ROOT, Math.abs(d) >= 1e-4 && Math.abs(d) < 1e6 ? "%.6g" : "%.5e", d);
            s = s.contains("e") ? s.replaceAll("\\.?0+e", "e") : s.replaceAll("\\.?0+$", "");
        }
        return s;
    }

    /** h:mm:ss. */
    private static String duration(long ms) {
        long s = ms / 1000;
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : Double.toString(v);
    }
}
