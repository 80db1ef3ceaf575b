package io.nnviz.recording;

import io.nnviz.renderers.figures.LineChart;
import io.nnviz.renderers.figures.Scatter;
import io.nnviz.renderers.report.HtmlReport;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Many runs side by side, as TensorBoard's scalars page and its HParams table show them: a runs
 * table (hyperparameters, steps, duration and pace, final and best of every metric) that sorts by any column and
 * hides a run from every chart, the loss and every metric overlaid with one colour per run (step
 * metrics smoothed as TensorBoard smooths), the runs in parallel coordinates through their numeric
 * hyperparameters to the target metric, and each one that varies against the runs' final target
 * metric (validation accuracy where recorded, else the final loss).
 */
public final class RunComparison {
    /** TensorBoard's default smoothing of step series. */
    static final double SMOOTHING = 0.6;

    private RunComparison() {
    }

    /** Adds the comparison of {@code runs} to {@code report}. */
    public static HtmlReport addTo(HtmlReport report, List<RunLog> runs) {
        List<String> names = names(runs);
        Set<String> steps = new LinkedHashSet<>(), epochs = new LinkedHashSet<>(), params = new LinkedHashSet<>();
        for (RunLog r : runs) {
            steps.addAll(r.stepSeriesNames());
            epochs.addAll(r.epochSeriesNames());
            params.addAll(r.info().hyperparameters().keySet());
        }
        report.section("Runs");
        List<String> header = new ArrayList<>(List.of("run", "tags"));
        header.addAll(params);
        header.add("steps");
        header.add("duration");
        header.add("steps/s");
        for (String s : steps) {
            header.add(s + " (last)");
            header.add(s + " (" + best(s) + ")");
        }
        for (String e : epochs) {
            header.add(e + " (last epoch)");
            header.add(e + " (" + best(e) + ")");
        }
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            RunLog r = runs.get(i);
            List<String> row = new ArrayList<>(List.of(names.get(i), String.join(", ", r.info().tags())));
            for (String p : params) {
                Object v = r.info().hyperparameters().get(p);
                row.add(v == null ? "" : String.valueOf(v));
            }
            row.add(Long.toString(r.lastStep()));
            long ms = r.lastWallClock().isPresent() ? r.lastWallClock().getAsLong() - r.info().started().toEpochMilli() : -1;
            row.add(ms < 0 ? "" : duration(ms));
            row.add(ms <= 0 ? "" : String.format(Locale.ROOT, "%.1f", r.lastStep() * 1000.0 / ms));
            for (String s : steps) {
                Points pts = r.stepSeries(s);
                row.add(pts.isEmpty() ? "" : num(pts.last()));
                row.add(pts.isEmpty() ? "" : num(extreme(pts, s)));
            }
            for (String e : epochs) {
                Points pts = r.epochSeries(e);
                row.add(pts.isEmpty() ? "" : num(pts.last()));
                row.add(pts.isEmpty() ? "" : num(extreme(pts, e)));
            }
            rows.add(row);
        }
        report.table("runs", header, rows);
        report.section("Curves");
        for (String s : steps) {
            LineChart c = LineChart.titled(s + " (" + runs.size() + " runs)").xLabel("step").yLabel(s).smoothing(SMOOTHING);
            for (int i = 0; i < runs.size(); i++) {
                Points pts = runs.get(i).stepSeries(s);
                if (!pts.isEmpty()) {
                    c.series(names.get(i), pts.xs(), pts.ys());
                }
            }
            report.figure("runs " + s, c.build());
        }
        for (String e : epochs) {
            LineChart c = LineChart.titled(e + " by epoch (" + runs.size() + " runs)").xLabel("epoch").yLabel(e).integerX(true).markers(true);
            for (int i = 0; i < runs.size(); i++) {
                Points pts = runs.get(i).epochSeries(e);
                if (!pts.isEmpty()) {
                    c.series(names.get(i), pts.xs(1), pts.ys());
                }
            }
            report.figure("runs epoch " + e, c.build());
        }
        String target = epochs.stream().filter(e -> e.startsWith("validation/")).findFirst().orElse(steps.contains("loss") ? "loss" : null);
        if (target != null) {
            report.section("Hyperparameters");
            List<String> numeric = new ArrayList<>();
            for (String p : params) {
                if (runs.stream().anyMatch(r -> number(r.info().hyperparameters().get(p)) != null)) {
                    numeric.add(p);
                }
            }
            if (!numeric.isEmpty()) { // every run through its numeric hyperparameters to its target metric
                List<String> axes = new ArrayList<>(numeric);
                axes.add(target);
                io.nnviz.renderers.figures.ParallelCoordinates pc = io.nnviz.renderers.figures.ParallelCoordinates.of(
                        "Hyperparameters and " + target + " (" + runs.size() + " runs)", axes);
                for (int i = 0; i < runs.size(); i++) {
                    RunLog r = runs.get(i);
                    double[] v = new double[axes.size()];
                    for (int a = 0; a < numeric.size(); a++) {
                        Double x = number(r.info().hyperparameters().get(numeric.get(a)));
                        v[a] = x == null ? Double.NaN : x;
                    }
                    Points pts = epochs.contains(target) ? r.epochSeries(target) : r.stepSeries(target);
                    v[numeric.size()] = pts.isEmpty() ? Double.NaN : pts.last();
                    pc.line(names.get(i), v);
                }
                report.figure("hp parallel", pc.build());
            }
            for (String p : params) {
                Scatter sc = Scatter.titled(p + " against " + target).axes(p, target + (epochs.contains(target) ? " (last epoch)" : " (last)"));
                int n = 0;
                Set<Double> values = new java.util.HashSet<>();
                for (int i = 0; i < runs.size(); i++) {
                    RunLog r = runs.get(i);
                    Double x = number(r.info().hyperparameters().get(p));
                    Points pts = epochs.contains(target) ? r.epochSeries(target) : r.stepSeries(target);
                    if (x != null && !pts.isEmpty()) {
                        sc.points(names.get(i), new double[] {x}, new double[] {pts.last()});
                        values.add(x);
                        n++;
                    }
                }
                if (n > 0 && values.size() > 1) { // a value every run shares says nothing against the metric
                    report.figure("hp " + p, sc.build());
                }
            }
        }
        return report;
    }

    /** The runs' names, made unique (a name two runs share gets the start of the id). */
    static List<String> names(List<RunLog> runs) {
        List<String> out = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (RunLog r : runs) {
            String n = r.info().name();
            if (!seen.add(n)) {
                n = n + " (" + r.info().id().substring(0, Math.min(8, r.info().id().length())) + ")";
                seen.add(n);
            }
            out.add(n);
        }
        return out;
    }

    /** Whether lower is better for a metric: losses and errors, else higher (accuracy, F1). */
    private static boolean lowerIsBetter(String metric) {
        String m = metric.toLowerCase(Locale.ROOT);
        return m.contains("loss") || m.contains("error") || m.contains("mse") || m.contains("mae") || m.contains("perplexity");
    }

    private static String best(String metric) {
        return lowerIsBetter(metric) ? "min" : "max";
    }

    private static double extreme(Points p, String metric) {
        double b = lowerIsBetter(metric) ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        for (int i = 0; i < p.size(); i++) {
            double y = p.y(i);
            if (Double.isFinite(y)) {
                b = lowerIsBetter(metric) ? Math.min(b, y) : Math.max(b, y);
            }
        }
        return b;
    }

    private static Double number(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return v == null ? null : Double.parseDouble(String.valueOf(v));
        } catch (NumberFormatException e) {
            return null;
        }
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
