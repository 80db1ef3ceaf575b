package io.nnviz.recording.view;

import io.nnviz.api.Histogram;
import io.nnviz.analysis.Curve;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.run.Stamped;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.figures.HistogramRidge;
import io.nnviz.renderers.figures.LineChart;
import io.nnviz.renderers.figures.Notice;
import io.nnviz.renderers.figures.ParallelCoordinates;
import io.nnviz.renderers.figures.Scatter;
import io.nnviz.renderers.report.HtmlReport;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Many runs side by side, as TensorBoard's scalars page and its HParams table show them: a runs
 * table (hyperparameters, steps, duration and pace, final and best of every metric) that sorts by any column and
 * hides a run from every chart, the loss and every metric overlaid with one colour per run (step
 * metrics smoothed as TensorBoard smooths), the runs in parallel coordinates through their numeric
 * hyperparameters to the target metric (validation accuracy where recorded, else the final loss),
 * each hyperparameter that varies against each metric's last value (TensorBoard's scatter plot
 * matrix; the target first, at most {@value #SCATTERS}, fewer past {@value #SCATTER_POINTS} points),
 * and the histograms of one weight across runs. The report ({@link #addTo}) and the live
 * dashboard's comparison page ({@link #table()}, {@link #entries}) draw the same figures.
 * Immutable: it holds the list of runs given, and draws each figure from the runs as they are when
 * it is drawn.
 *
 * <pre>{@code
 * RunComparison.of(Runs.open(Path.of("runs")).logs()).addTo(HtmlReport.titled("sweep")).write(Path.of("out"));
 * }</pre>
 */
public final class RunComparison {
    /** TensorBoard's default smoothing of step series. */
    static final double SMOOTHING = 0.6;

    private final List<RunLog> runs;

    private RunComparison(List<RunLog> runs) {
        this.runs = runs;
    }

    /** The comparison of {@code runs}, in the order given (each run's colour is its place in it). */
    public static RunComparison of(List<? extends RunLog> runs) {
        return new RunComparison(List.copyOf(runs));
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
    record Columns(Set<String> steps, Set<String> epochs, Set<String> params) {
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

    /** The runs table: a header and a row per run, cells as text, and each run's colour in every chart (ARGB). */
    public record Table(List<String> header, List<List<String>> rows, List<Integer> colors) {
        /** Copies the lists. */
        public Table {
            header = List.copyOf(header);
            rows = rows.stream().map(List::copyOf).toList();
            colors = List.copyOf(colors);
        }
    }

    /**
     * Adds the comparison to {@code report}: the runs table, then every figure of {@link #entries}.
     *
     * @return {@code report}
     */
    public HtmlReport addTo(HtmlReport report) {
        report.section("Runs");
        Table t = table();
        report.table("runs", t.header(), t.rows(), t.colors());
        String section = null;
        for (RunFigures.Entry e : entries(0)) {
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

    /**
     * The runs table: hyperparameters, steps, duration, steps/s, and the last and best value of
     * every metric, in the charts' order (those every run has first), and each run's colour.
     */
    public Table table() {
        return RunsTable.of(runs);
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
    static Curve thin(Curve p, int n) {
        if (p.size() <= n) {
            return p;
        }
        double[] x = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            int k = (int) Math.round((double) i * (p.size() - 1) / (n - 1));
            x[i] = p.x(k);
            y[i] = p.y(k);
        }
        return Curve.of(x, y);
    }

    /**
     * The comparison's figures, drawn when asked, each with {@code version} (the live dashboard
     * redraws a figure when it changes): the loss and every metric overlaid, the hyperparameters in
     * parallel coordinates and against the target metric, and the histograms of a weight across runs.
     */
    public List<RunFigures.Entry> entries(long version) {
        List<RunLog> all = runs;
        List<String> names = names(all);
        Columns columns = Columns.of(all);
        Set<String> steps = columns.steps(), epochs = columns.epochs(), params = columns.params();
        List<RunFigures.Entry> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int thin = thinnedTo(all);
        List<Metric> order = order(all, columns);
        for (Metric m : order) {
            int drawn = (int) all.stream().filter(r -> !m.of(r).isEmpty()).count(); // the runs this chart has lines of, not all compared
            String title = m.name() + (m.epoch() ? " by epoch (" : " (") + drawn + (drawn == 1 ? " run)" : " runs)");
            RunFigures.add(out, ids, (m.epoch() ? "runs epoch " : "runs ") + m.name(), CURVES, title, version, () -> {
                LineChart c = LineChart.titled(title).xLabel(m.epoch() ? "epoch" : "step").yLabel(m.name());
                if (m.epoch()) {
                    c.integerX(true).markers(true);
                } else {
                    c.smoothing(SMOOTHING);
                }
                for (int i = 0; i < all.size(); i++) {
                    Curve pts = m.epoch() ? m.of(all.get(i)) : thin(m.of(all.get(i)), thin);
                    if (!pts.isEmpty()) {
                        c.series(names.get(i), m.epoch() ? pts.xs(1) : pts.xs(), pts.ys(), color(i)); // a run keeps its colour in every chart
                    }
                }
                return c.build();
            });
        }
        String target = epochs.stream().filter(e -> e.startsWith("validation/")).findFirst().orElse(steps.contains("loss") ? "loss" : null);
        if (target != null) {
            hyperparameters(out, ids, all, names, columns, order, target, epochs.contains(target), version);
        }
        weights(out, ids, all, names, version);
        return out;
    }

    /** A metric of the comparison: a step series or an epoch series, by name. */
    record Metric(String name, boolean epoch) {
        Curve of(RunLog r) {
            return epoch ? r.epochSeries(name) : r.stepSeries(name);
        }
    }

    /**
     * The metrics in chart order: those every run has first (a DL4J run's per-layer learning rates
     * and update ratios no DJL run records come after the validation charts all runs share), then
     * as a single run's report has them: step series before epoch series, a metric's splits and a
     * family's members together in first-recorded order, train before validation before test.
     */
    static List<Metric> order(List<RunLog> runs, Columns columns) {
        List<Metric> all = new ArrayList<>();
        columns.steps().forEach(s -> all.add(new Metric(s, false)));
        columns.epochs().forEach(e -> all.add(new Metric(e, true)));
        Map<String, Integer> groupRank = new HashMap<>();
        for (Metric m : all) {
            groupRank.putIfAbsent(MetricCharts.group(m.name()), groupRank.size());
        }
        List<Metric> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.<Metric>comparingInt(m -> runs.stream().allMatch(r -> !m.of(r).isEmpty()) ? 0 : 1)
                .thenComparingInt(m -> m.epoch() ? 1 : 0)
                .thenComparingInt(m -> groupRank.get(MetricCharts.group(m.name())))
                .thenComparingInt(m -> MetricCharts.splitOrder(m.name())));
        return sorted;
    }

    /** Run {@code i}'s colour, the same in every chart of the comparison (its lines, points and legend entries). */
    static int color(int i) {
        return Colormaps.category(i);
    }

    private static void hyperparameters(List<RunFigures.Entry> out, Set<String> ids, List<RunLog> runs, List<String> names, Columns columns,
            List<Metric> order, String target, boolean byEpoch, long version) {
        Set<String> params = columns.params();
        List<String> numeric = new ArrayList<>();
        for (String p : params) {
            if (runs.stream().anyMatch(r -> number(r.info().hyperparameters().get(p)) != null)) {
                numeric.add(p);
            }
        }
        Function<RunLog, Curve> targetOf = r -> byEpoch ? r.epochSeries(target) : r.stepSeries(target);
        if (!numeric.isEmpty()) { // every run through its numeric hyperparameters to its target metric
            String title = "Hyperparameters and " + target + " (" + runs.size() + (runs.size() == 1 ? " run)" : " runs)");
            RunFigures.add(out, ids, "hp parallel", HYPERPARAMETERS, title, version, () -> {
                List<String> axes = new ArrayList<>(numeric);
                axes.add(target);
                ParallelCoordinates pc = ParallelCoordinates.of(title, axes);
                numeric.stream().filter(p -> overDecades(runs, p)).forEach(pc::logAxis);
                for (int i = 0; i < runs.size(); i++) {
                    RunLog r = runs.get(i);
                    double[] v = new double[axes.size()];
                    for (int a = 0; a < numeric.size(); a++) {
                        Double x = number(r.info().hyperparameters().get(numeric.get(a)));
                        v[a] = x == null ? Double.NaN : x;
                    }
                    Curve pts = targetOf.apply(r);
                    v[numeric.size()] = pts.isEmpty() ? Double.NaN : pts.last();
                    pc.line(names.get(i), v, color(i));
                }
                return pc.build();
            });
        }
        // each varying hyperparameter against each metric's last value, as TensorBoard's scatter plot matrix: the target first
        List<Metric> metrics = new ArrayList<>(); // the target first, then in chart order
        metrics.add(new Metric(target, byEpoch));
        order.stream().filter(m -> !m.equals(metrics.get(0))).forEach(metrics::add);
        List<String> varying = new ArrayList<>();
        for (String p : params) {
            Set<Double> values = new HashSet<>();
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
        for (Metric m : metrics) {
            for (String p : varying) {
                if (drawn >= most) {
                    left++;
                    continue;
                }
                String metric = m.name(), label = metric + (m.epoch() ? " (last epoch)" : " (last)");
                Function<RunLog, Curve> of = m::of;
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
                        Curve pts = of.apply(r);
                        if (x != null && !pts.isEmpty()) {
                            sc.points(names.get(i), new double[] {x}, new double[] {pts.last()}, color(i));
                        }
                    }
                    return sc.build();
                });
            }
        }
        if (left > 0) {
            int n = left, first = most;
            RunFigures.add(out, ids, "hp more", HYPERPARAMETERS, "More hyperparameter scatters", version, () -> Notice.of(
                    "More hyperparameter scatters", n + " more pairs of a hyperparameter and a metric are not drawn (the first " + first
                            + " of " + runs.size() + " runs are: the target metric first, then the metrics every run has, then the rest); the runs table has every value.").build());
        }
    }

    /** For each weight recorded by two runs or more (the first few): its latest histogram in each run, one ridge a run on one value axis. */
    private static void weights(List<RunFigures.Entry> out, Set<String> ids, List<RunLog> runs, List<String> names, long version) {
        Map<String, Integer> count = new LinkedHashMap<>();
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
                HistogramRidge ridge = HistogramRidge.titled(title)
                        .valueLabel(key.endsWith("(gradient)") ? "gradient" : "weight").maxRidges(Math.max(2, runs.size()));
                for (int i = 0; i < runs.size(); i++) {
                    List<Stamped<Histogram>> latest = runs.get(i).latestHistograms(key, 1);
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
        Set<String> seen = new HashSet<>();
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
}
