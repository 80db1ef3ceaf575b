package io.nnviz.recording;

import io.nnviz.renderers.figures.LineChart;
import io.nnviz.renderers.figures.Scatter;
import io.nnviz.renderers.report.HtmlReport;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Many runs side by side, as TensorBoard's scalars page and its HParams table show them: a runs
 * table (hyperparameters, steps, duration and pace, final and best of every metric) that sorts by any column and
 * hides a run from every chart, the loss and every metric overlaid with one colour per run (step
 * metrics smoothed as TensorBoard smooths), the runs in parallel coordinates through their numeric
 * hyperparameters to the target metric (validation accuracy where recorded, else the final loss),
 * each hyperparameter that varies against each metric's last value (TensorBoard's scatter plot
 * matrix; the target first, at most {@value #SCATTERS}, fewer past {@value #SCATTER_POINTS} points), and the histograms of one weight across runs. The report and the live dashboard's comparison page draw the same figures.
 */
public final class RunComparison {
    /** TensorBoard's default smoothing of step series. */
    static final double SMOOTHING = 0.6;

    private RunComparison() {
    }

    /** Sections of the comparison's figures, in page order. */
    public static final String CURVES = "Curves", HYPERPARAMETERS = "Hyperparameters", WEIGHTS = "Weights across runs";
    /** Points drawn in one overlaid chart at most: past it each run's curve is thinned evenly (its first and last points kept). */
    static final int CHART_POINTS = 100_000;
    /** Scatters of a hyperparameter against a metric, at most; fewer for many runs (a point and a legend entry a run). */
    static final int SCATTERS = 24, SCATTER_POINTS = 3_000;
    /** Weights whose histograms are compared across runs, at most. */
    static final int HISTOGRAM_FIGURES = 4;

    /** What the runs have between them: step series, epoch series and hyperparameters, each in first-seen order. */
    private record Columns(Set<String> steps, Set<String> epochs, Set<String> params) {
        static Columns of(List<RunLog> runs) {
            Columns c = new Columns(new LinkedHashSet<>(), new LinkedHashSet<>(), new LinkedHashSet<>());
            for (RunLog r : runs) {
                c.steps.addAll(r.stepSeriesNames());
                c.epochs.addAll(r.epochSeriesNames());
                c.params.addAll(r.info().hyperparameters().keySet());
            }
            return c;
        }
    }

    /** The runs table: a header and a row per run, cells as text. */
    public record Table(List<String> header, List<List<String>> rows) {
    }

    /** Adds the comparison of {@code runs} to {@code report}: the runs table, then every figure of {@link #entries}. */
    public static HtmlReport addTo(HtmlReport report, List<RunLog> runs) {
        report.section("Runs");
        Table t = table(runs);
        report.table("runs", t.header(), t.rows());
        String section = null;
        for (RunFigures.Entry e : entries(runs, 0)) {
            if (!e.section().equals(section)) {
                section = e.section();
                report.section(section);
                if (section.equals(CURVES) && thinnedTo(runs) < Integer.MAX_VALUE) {
                    report.note("Each run's curve is thinned evenly to " + thinnedTo(runs) + " points (its first and last kept) so that a chart"
                            + " of " + runs.size() + " runs stays under " + CHART_POINTS + " points; the table's values are from every point kept.");
                }
            }
            report.figure(e.name(), e.figure());
        }
        return report;
    }

    /** The runs table: hyperparameters, steps, duration, steps/s, and the last and best value of every metric. */
    public static Table table(List<RunLog> runs) {
        List<String> names = names(runs);
        Columns columns = Columns.of(runs);
        Set<String> steps = columns.steps(), epochs = columns.epochs(), params = columns.params();
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
                row.add(hyperparameter(r.info().hyperparameters().get(p)));
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
        return new Table(header, rows);
    }

    /** Points per run curve drawn: all (MAX_VALUE) while the runs' curves fit {@link #CHART_POINTS}. */
    static int thinnedTo(List<RunLog> runs) {
        long most = 0;
        for (RunLog r : runs) {
            for (String s : r.stepSeriesNames()) {
                most = Math.max(most, r.stepSeries(s).size());
            }
        }
        return most * runs.size() <= CHART_POINTS ? Integer.MAX_VALUE : Math.max(2, CHART_POINTS / Math.max(1, runs.size()));
    }

    /** Every point of {@code p}, or {@code n} evenly spaced ones with the first and last. */
    static Points thin(Points p, int n) {
        if (p.size() <= n) {
            return p;
        }
        double[] x = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            int k = (int) Math.round((double) i * (p.size() - 1) / (n - 1));
            x[i] = p.x(k);
            y[i] = p.y(k);
        }
        return Points.of(x, y);
    }

    /**
     * The comparison's figures, drawn when asked, each with {@code version} (the live dashboard
     * redraws a figure when it changes): the loss and every metric overlaid, the hyperparameters in
     * parallel coordinates and against the target metric, and the histograms of a weight across runs.
     */
    public static List<RunFigures.Entry> entries(List<RunLog> runs, long version) {
        List<RunLog> all = List.copyOf(runs);
        List<String> names = names(all);
        Columns columns = Columns.of(all);
        Set<String> steps = columns.steps(), epochs = columns.epochs(), params = columns.params();
        List<RunFigures.Entry> out = new ArrayList<>();
        Set<String> ids = new java.util.HashSet<>();
        int thin = thinnedTo(all);
        for (String s : steps) {
            RunFigures.add(out, ids, "runs " + s, CURVES, s + " (" + all.size() + " runs)", version, () -> {
                LineChart c = LineChart.titled(s + " (" + all.size() + " runs)").xLabel("step").yLabel(s).smoothing(SMOOTHING);
                for (int i = 0; i < all.size(); i++) {
                    Points pts = thin(all.get(i).stepSeries(s), thin);
                    if (!pts.isEmpty()) {
                        c.series(names.get(i), pts.xs(), pts.ys());
                    }
                }
                return c.build();
            });
        }
        for (String e : epochs) {
            RunFigures.add(out, ids, "runs epoch " + e, CURVES, e + " by epoch (" + all.size() + " runs)", version, () -> {
                LineChart c = LineChart.titled(e + " by epoch (" + all.size() + " runs)").xLabel("epoch").yLabel(e).integerX(true).markers(true);
                for (int i = 0; i < all.size(); i++) {
                    Points pts = all.get(i).epochSeries(e);
                    if (!pts.isEmpty()) {
                        c.series(names.get(i), pts.xs(1), pts.ys());
                    }
                }
                return c.build();
            });
        }
        String target = epochs.stream().filter(e -> e.startsWith("validation/")).findFirst().orElse(steps.contains("loss") ? "loss" : null);
        if (target != null) {
            hyperparameters(out, ids, all, names, columns, target, epochs.contains(target), version);
        }
        weights(out, ids, all, names, version);
        return out;
    }

    private static void hyperparameters(List<RunFigures.Entry> out, Set<String> ids, List<RunLog> runs, List<String> names, Columns columns,
            String target, boolean byEpoch, long version) {
        Set<String> params = columns.params(), epochs = columns.epochs(), steps = columns.steps();
        List<String> numeric = new ArrayList<>();
        for (String p : params) {
            if (runs.stream().anyMatch(r -> number(r.info().hyperparameters().get(p)) != null)) {
                numeric.add(p);
            }
        }
        java.util.function.Function<RunLog, Points> targetOf = r -> byEpoch ? r.epochSeries(target) : r.stepSeries(target);
        if (!numeric.isEmpty()) { // every run through its numeric hyperparameters to its target metric
            String title = "Hyperparameters and " + target + " (" + runs.size() + " runs)";
            RunFigures.add(out, ids, "hp parallel", HYPERPARAMETERS, title, version, () -> {
                List<String> axes = new ArrayList<>(numeric);
                axes.add(target);
                io.nnviz.renderers.figures.ParallelCoordinates pc = io.nnviz.renderers.figures.ParallelCoordinates.of(title, axes);
                numeric.stream().filter(p -> overDecades(runs, p)).forEach(pc::logAxis);
                for (int i = 0; i < runs.size(); i++) {
                    RunLog r = runs.get(i);
                    double[] v = new double[axes.size()];
                    for (int a = 0; a < numeric.size(); a++) {
                        Double x = number(r.info().hyperparameters().get(numeric.get(a)));
                        v[a] = x == null ? Double.NaN : x;
                    }
                    Points pts = targetOf.apply(r);
                    v[numeric.size()] = pts.isEmpty() ? Double.NaN : pts.last();
                    pc.line(names.get(i), v);
                }
                return pc.build();
            });
        }
        // each varying hyperparameter against each metric's last value, as TensorBoard's scatter plot matrix: the target first
        List<String[]> metrics = new ArrayList<>(); // {name, "epoch" | "step"}
        metrics.add(new String[] {target, byEpoch ? "epoch" : "step"});
        epochs.stream().filter(e -> !(byEpoch && e.equals(target))).forEach(e -> metrics.add(new String[] {e, "epoch"}));
        steps.stream().filter(st -> !(!byEpoch && st.equals(target))).forEach(st -> metrics.add(new String[] {st, "step"}));
        List<String> varying = new ArrayList<>();
        for (String p : params) {
            Set<Double> values = new java.util.HashSet<>();
            for (RunLog r : runs) {
                Double x = number(r.info().hyperparameters().get(p));
                if (x != null) {
                    values.add(x);
                }
            }
            if (values.size() >= 2) { // a value every run shares says nothing against a metric
                varying.add(p);
            }
        }
        int drawn = 0, left = 0, most = Math.max(3, Math.min(SCATTERS, SCATTER_POINTS / Math.max(1, runs.size())));
        for (String[] m : metrics) {
            for (String p : varying) {
                if (drawn >= most) {
                    left++;
                    continue;
                }
                boolean epoch = m[1].equals("epoch");
                String metric = m[0], label = metric + (epoch ? " (last epoch)" : " (last)");
                java.util.function.Function<RunLog, Points> of = r -> epoch ? r.epochSeries(metric) : r.stepSeries(metric);
                if (runs.stream().noneMatch(r -> !of.apply(r).isEmpty())) {
                    continue;
                }
                drawn++;
                String id = metric.equals(target) ? "hp " + p : "hp " + p + " vs " + metric;
                RunFigures.add(out, ids, id, HYPERPARAMETERS, p + " against " + metric, version, () -> {
                    Scatter sc = Scatter.titled(p + " against " + metric).axes(p + (overDecades(runs, p) ? " (log)" : ""), label)
                            .logX(overDecades(runs, p));
                    for (int i = 0; i < runs.size(); i++) {
                        RunLog r = runs.get(i);
                        Double x = number(r.info().hyperparameters().get(p));
                        Points pts = of.apply(r);
                        if (x != null && !pts.isEmpty()) {
                            sc.points(names.get(i), new double[] {x}, new double[] {pts.last()});
                        }
                    }
                    return sc.build();
                });
            }
        }
        if (left > 0) {
            int n = left, first = most;
            RunFigures.add(out, ids, "hp more", HYPERPARAMETERS, "More hyperparameter scatters", version, () -> io.nnviz.renderers.figures.Notice.of(
                    "More hyperparameter scatters", n + " more pairs of a hyperparameter and a metric are not drawn (the first " + first
                            + " of " + runs.size() + " runs are: the target metric first, then epoch metrics, then step metrics); the runs table has every value."));
        }
    }

    /** For each weight recorded by two runs or more (the first few): its latest histogram in each run, one ridge a run on one value axis. */
    private static void weights(List<RunFigures.Entry> out, Set<String> ids, List<RunLog> runs, List<String> names, long version) {
        Map<String, Integer> count = new java.util.LinkedHashMap<>();
        for (RunLog r : runs) {
            for (String k : r.histogramKeys()) {
                count.merge(k, 1, Integer::sum);
            }
        }
        int n = 0;
        for (Map.Entry<String, Integer> k : count.entrySet()) {
            if (k.getValue() < 2 || n++ >= HISTOGRAM_FIGURES) {
                continue;
            }
            String key = k.getKey(), title = key + " across " + k.getValue() + " runs (latest of each)";
            RunFigures.add(out, ids, "weights " + key, WEIGHTS, title, version, () -> {
                io.nnviz.renderers.figures.HistogramRidge ridge = io.nnviz.renderers.figures.HistogramRidge.titled(title)
                        .valueLabel(key.endsWith("(gradient)") ? "gradient" : "weight").maxRidges(Math.max(2, runs.size()));
                for (int i = 0; i < runs.size(); i++) {
                    List<Stamped<io.nnviz.api.Histogram>> latest = runs.get(i).latestHistograms(key, 1);
                    if (!latest.isEmpty()) {
                        ridge.add(names.get(i) + " (step " + latest.get(0).step() + ")", latest.get(0).value());
                    }
                }
                return ridge.build();
            });
        }
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

    /** Whether a hyperparameter's values are all positive and span two decades or more: drawn on a log scale, as sweeps of rates are. */
    static boolean overDecades(List<RunLog> runs, String p) {
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (RunLog r : runs) {
            Double x = number(r.info().hyperparameters().get(p));
            if (x == null) {
                continue;
            }
            if (!(x > 0)) {
                return false;
            }
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        return hi >= 100 * lo;
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
