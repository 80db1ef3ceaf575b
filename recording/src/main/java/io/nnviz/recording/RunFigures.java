package io.nnviz.recording;

import io.nnviz.api.Histogram;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.figures.ActivationGrid;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.HistogramRidge;
import io.nnviz.renderers.figures.LineChart;
import io.nnviz.renderers.figures.Notice;
import io.nnviz.renderers.figures.SequenceProbes;
import io.nnviz.renderers.report.HtmlReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Turns a run into figures, the same for the HTML report and the live dashboard: the loss and
 * step metrics (train and validation of one metric on one chart, a family such as per-layer
 * learning rates on one chart), epoch metrics on an epoch axis with hover values, weight
 * histograms over time, the first and latest filters, and the probes' activations. A figure that
 * cannot be drawn (a bad series, a broken tensor) becomes a {@link Notice} saying why, and every
 * other figure is still drawn.
 *
 * <pre>{@code
 * for (RunFigures.Entry e : RunFigures.of(recorder.log()).entries()) {
 *     Figures.writeSvg(e.figure(), dir.resolve(e.id() + ".svg"));
 * }
 * }</pre>
 */
public final class RunFigures {
    private static final Logger LOG = LoggerFactory.getLogger(RunFigures.class);

    /** Sections, in page order. */
    public static final String TRAINING = "Training", EPOCHS = "Epochs", WEIGHTS = "Weights over time",
            FILTERS = "Filters", PROBES = "Probes", EMBEDDING = "Embedding";

    /**
     * One figure of a run.
     *
     * @param id      stable across calls and safe in a URL or file name ({@code [a-z0-9-]})
     * @param name    a readable name (report file names are made from it)
     * @param section the section it belongs to
     * @param title   its title
     * @param version changes when its data changes (live views redraw then)
     * @param draw    draws it
     * @param layer   the layer it is of (its weights, filters, activations), or null
     */
    public record Entry(String id, String name, String section, String title, long version, Supplier<Figure> draw, String layer) {
        /** An entry of no layer. */
        public Entry(String id, String name, String section, String title, long version, Supplier<Figure> draw) {
            this(id, name, section, title, version, draw, null);
        }

        /** The figure, or a {@link Notice} saying why it could not be drawn. */
        public Figure figure() {
            try {
                return draw.get();
            } catch (RuntimeException | OutOfMemoryError e) {
                LOG.warn("nnviz: figure '{}' could not be drawn: {}", title, e.toString());
                return Notice.of(title, "This figure could not be drawn: " + (e.getMessage() == null ? e.toString() : e.getMessage())
                        + " (" + e.getClass().getSimpleName() + ")");
            }
        }
    }

    private final RunLog log;
    private int histogramFigures = Integer.MAX_VALUE, ridges = Integer.MAX_VALUE;

    private RunFigures(RunLog log) {
        this.log = Objects.requireNonNull(log, "log");
    }

    /** The figures of {@code log}. */
    public static RunFigures of(RunLog log) {
        return new RunFigures(log);
    }

    /** At most {@code figures} histogram figures (the first weights recorded), each of the newest {@code latest} histograms. */
    public RunFigures histograms(int figures, int latest) {
        if (figures < 0 || latest < 1) {
            throw new IllegalArgumentException("figures >= 0 and latest >= 1, got " + figures + ", " + latest);
        }
        this.histogramFigures = figures;
        this.ridges = latest;
        return this;
    }

    /** Every figure the run's data gives, in page order. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        charts(out, ids, log.stepSeriesNames(), false);
        charts(out, ids, log.epochSeriesNames(), true);
        long hv = log.histogramVersion();
        List<String> keys = log.histogramKeys();
        for (int i = 0; i < keys.size() && i < histogramFigures; i++) {
            String key = keys.get(i);
            String title = ridges == Integer.MAX_VALUE ? key : key + " (latest " + ridges + ")";
            int cut = key.indexOf(" / ");
            add(out, ids, "hist " + key, WEIGHTS, title, hv, cut > 0 ? key.substring(0, cut) : null, () -> {
                HistogramRidge ridge = HistogramRidge.titled(title).valueLabel(key.endsWith("(gradient)") ? "gradient" : "weight");
                for (Stamped<Histogram> s : ridges == Integer.MAX_VALUE ? log.histograms(key) : log.latestHistograms(key, ridges)) {
                    ridge.add(s.step(), s.value());
                }
                return ridge.build();
            });
        }
        long fv = log.filterVersion();
        log.firstFilters().ifPresent(first -> {
            add(out, ids, "filters first", FILTERS, filtersTitle(first), fv, first.value().layerId(), () -> filters(first));
            log.latestFilters().filter(l -> l.step() != first.step()).ifPresent(latest ->
                    add(out, ids, "filters latest", FILTERS, filtersTitle(latest), fv, latest.value().layerId(), () -> filters(latest)));
        });
        long pv = log.probeVersion();
        log.latestProbes().ifPresent(latest -> {
            Stamped<Map<String, Tensor>> first = log.firstProbes().orElse(latest);
            for (String layer : latest.value().keySet().stream().sorted().toList()) {
                Tensor a = latest.value().get(layer);
                if (a.rank() == 4 && first.step() != latest.step() && first.value().containsKey(layer)) {
                    add(out, ids, "probe " + layer + " first", PROBES, layer + " at step " + first.step(), pv, layer,
                            () -> probe(layer, first.step(), first.value().get(layer), log.probeInputs().orElse(null)));
                }
                add(out, ids, "probe " + layer, PROBES, layer + " at step " + latest.step(), pv, layer,
                        () -> probe(layer, latest.step(), a, log.probeInputs().orElse(null)));
            }
        });
        log.latestEmbedding().ifPresent(e -> add(out, ids, "embedding", EMBEDDING, "Embedding of " + e.value().layerId() + " at step "
                + e.step() + " (PCA)", log.embeddingVersion(), () -> embedding(e)));
        return out;
    }

    /** The embedding set projected on its first two principal components, coloured by class, the variance each explains on its axis. */
    private Figure embedding(Stamped<RunLog.Embedding> s) {
        RunLog.Embedding e = s.value();
        io.nnviz.analysis.Pca p = io.nnviz.analysis.Pca.fit(e.activations(), 2);
        double[] r = p.explainedVarianceRatio();
        int[] labels = e.labels();
        int classes = 0;
        for (int l : labels) {
            classes = Math.max(classes, l + 1);
        }
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            names.add(log.info().className(k));
        }
        return io.nnviz.renderers.figures.Scatter.embedding(p.projected(), labels, names)
                .axes(String.format(java.util.Locale.ROOT, "PC1 (%.0f%% of variance)", 100 * r[0]),
                        String.format(java.util.Locale.ROOT, "PC2 (%.0f%% of variance)", 100 * r[1]))
                .title("Embedding of " + e.layerId() + " at step " + s.step() + ": " + labels.length + " inputs, PCA").build();
    }

    // ---- charts --------------------------------------------------------------------------------

    /** One chart per metric (its splits together) or family (its members together), in first-recorded order. */
    private void charts(List<Entry> out, Set<String> ids, List<String> names, boolean epochs) {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (String n : names) {
            groups.computeIfAbsent(MetricCharts.group(n), k -> new ArrayList<>()).add(n);
        }
        long v = log.scalarVersion();
        for (Map.Entry<String, List<String>> g : groups.entrySet()) {
            String group = g.getKey();
            List<String> members = new ArrayList<>(g.getValue());
            members.sort(java.util.Comparator.comparingInt(MetricCharts::splitOrder)); // train, validation, test, whatever order they came in
            String title = MetricCharts.title(group, members, epochs);
            String name = epochs ? "epoch " + group : group.equals("loss") ? "loss" : "metric " + group;
            add(out, ids, name, epochs ? EPOCHS : TRAINING, title, v, () -> chart(title, group, members, epochs));
        }
    }

    private Figure chart(String title, String group, List<String> members, boolean epochs) {
        LineChart c = LineChart.titled(title).xLabel(epochs ? "epoch" : "step").yLabel(MetricCharts.yLabel(group)); // every chart says what its y is
        int points = 0;
        for (String m : members) {
            Points p = epochs ? log.epochSeries(m) : log.stepSeries(m);
            points = Math.max(points, p.size());
            c.series(MetricCharts.label(group, m, members), epochs ? p.xs(1) : p.xs(), p.ys()); // epochs drawn from 1
        }
        if (epochs) {
            c.markers(true).integerX(true);
        } else if (group.equals("loss") && points > 20) {
            c.smoothing(0.6);
        }
        return c.build();
    }

    // ---- filters and probes ------------------------------------------------------------------

    private static String filtersTitle(Stamped<WeightTensor> s) {
        return "Filters of " + s.value().layerId() + " at step " + s.step() + " " + s.value().values().shape();
    }

    private static Figure filters(Stamped<WeightTensor> s) {
        return FilterGrid.of(s.value()).title(filtersTitle(s)).build();
    }

    /** Most probes drawn per figure. */
    private static final int MAX_PROBES = 8;

    /**
     * Every probe's activations: for conv layers a row of maps per probe (the same strongest
     * channels in each), for sequences each probe's hidden states under its input sequence, else a
     * units heatmap with a row per probe.
     */
    private static Figure probe(String layer, long step, Tensor batch, Tensor inputs) {
        int n = batch.shape().dim(0);
        String title = layer + " at step " + step;
        if (batch.rank() == 4) {
            Tensor shown = n > MAX_PROBES ? batch.head(MAX_PROBES) : batch;
            return ActivationGrid.ofBatch(shown).topK(n > 1 ? 8 : 16).title(title).build();
        }
        if (batch.rank() == 3) {
            return SequenceProbes.of(layer + ": hidden state over time at step " + step, batch, inputs, MAX_PROBES);
        }
        Tensor rows = batch.reshape(n, batch.size() / n);
        List<String> labels = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            labels.add("probe " + (i + 1)); // counted from 1, as the report's headings count them
        }
        return Heatmap.of(rows).axes("", "unit").rowLabels(labels)
                .colormap(rows.stats().min() < 0 ? Colormaps.DIVERGING : Colormaps.VIRIDIS).title(title).build();
    }

    static void add(List<Entry> out, Set<String> ids, String name, String section, String title, long version,
                            Supplier<Figure> draw) {
        add(out, ids, name, section, title, version, null, draw);
    }

    private static void add(List<Entry> out, Set<String> ids, String name, String section, String title, long version, String layer,
                            Supplier<Figure> draw) {
        String base = slug(name), id = base;
        for (int i = 2; !ids.add(id); i++) {
            id = base + "-" + i;
        }
        out.add(new Entry(id, name, section, title, version, draw, layer));
    }

    /** {@code [a-z0-9-]}, at most 72 characters. */
    static String slug(String name) {
        String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (s.isEmpty()) {
            s = "figure";
        }
        return s.length() > 72 ? s.substring(0, 72).replaceAll("-+$", "") : s;
    }

    // ---- the report ----------------------------------------------------------------------------

    /**
     * Adds a run to a report: the architecture of {@code model} (if given), every entry of
     * {@link #entries()} by section, the trained filters read from {@code model} when training
     * went on after the last snapshot, and, for image probes, the model's saliency and Grad-CAM
     * for its predicted class.
     */
    public static HtmlReport addTo(HtmlReport report, RunLog log, ModelView model) {
        if (model != null) {
            report.section("Architecture").architecture(model);
        }
        List<Entry> entries = of(log).entries();
        report.section(TRAINING).note(describe(log.info()));
        log.notes().values().forEach(report::note);
        if (log.dropped() > 0) {
            report.note(log.dropped() + " pieces of background work (histograms, sink writes) were dropped because training outran the"
                    + " recorder's thread; the curves are complete, some histograms are missing.");
        }
        for (String section : List.of(TRAINING, EPOCHS, WEIGHTS, FILTERS, PROBES, EMBEDDING)) {
            boolean started = section.equals(TRAINING);
            for (Entry e : entries) {
                if (!e.section().equals(section)) {
                    continue;
                }
                if (!started) {
                    report.section(section.equals(PROBES) ? probeHeading(log) : section);
                    started = true;
                }
                if (e.layer() != null) {
                    report.layerFigure(e.layer(), e.name(), e.figure());
                } else {
                    report.figure(e.name(), e.figure());
                }
            }
            if (section.equals(FILTERS) && started && model != null) { // after the snapshots, as it is later than all: in step order
                trainedFilters(report, log, model);
            }
        }
        if (model != null) {
            log.initialWeights().ifPresent(w -> report.section(WEIGHTS).figure("weight change", safe("Weight change", () -> weightChange(model, w))));
            log.latestGradientNorms().ifPresent(g -> report.section(WEIGHTS).figure("gradient norm", safe("Gradient norm", () ->
                    io.nnviz.renderers.figures.ArchitectureDiagram.of(model).overlay(g.value(), "||gradient||")
                            .title("Gradient norm per layer at step " + g.step()).build())));
            ProbeAttributions.addTo(report, log, model, probeHeading(log), RunFigures::safe);
        }
        return report;
    }

    /**
     * One line on the run: its name once (not "Run run (...)" for a run named "run"), its id, start,
     * hyperparameters and tags.
     */
    static String describe(RunInfo i) {
        StringBuilder b = new StringBuilder(i.name().isBlank() || i.name().equals(i.id()) ? "Run " + i.id() : i.name() + " (id " + i.id() + ")")
                .append(", started ").append(i.started().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        if (!i.hyperparameters().isEmpty()) {
            b.append("; hyperparameters: ");
            i.hyperparameters().forEach((k, v) -> b.append(k).append(" = ").append(v).append(", "));
            b.setLength(b.length() - 2);
        }
        if (!i.tags().isEmpty()) {
            b.append("; tags: ").append(String.join(", ", i.tags()));
        }
        return b.append('.').toString();
    }

    /** How far each layer moved since the weights kept at the first capture: ||W - W_first|| / ||W_first|| on the architecture. */
    private static Figure weightChange(ModelView model, Stamped<Map<String, List<WeightTensor>>> first) {
        Map<String, Double> change = new LinkedHashMap<>();
        first.value().forEach((layer, ws) -> {
            if (model.layer(layer).isPresent()) {
                change.put(layer, io.nnviz.api.diff.ModelDiff.relativeChange(ws, model.weights(layer)));
            }
        });
        return io.nnviz.renderers.figures.ArchitectureDiagram.of(model).overlay(change, "||W - W_first|| / ||W_first||")
                .title("Weight change since step " + first.step() + ", by layer").build();
    }

    /** The heading of the first probe's attributions: "Probe input 1 of 4", counted from 1. */
    static String probeHeading(RunLog log) {
        int n = log.probeInputs().map(t -> t.shape().dim(0)).orElse(1);
        return "Probe input" + (n > 1 ? " 1 of " + n : "");
    }

    static Figure safe(String title, Supplier<Figure> draw) {
        return new Entry("x", title, "", title, 0, draw).figure();
    }

    /** The first conv's filters as trained, read from the model now, if training went on after the latest snapshot. */
    private static void trainedFilters(HtmlReport report, RunLog log, ModelView model) {
        Stamped<WeightTensor> first = log.firstFilters().orElseThrow();
        long at = log.latestFilters().map(Stamped::step).orElse(first.step());
        if (log.lastStep() <= at) {
            return;
        }
        try {
            for (WeightTensor t : model.weights(first.value().layerId())) {
                if (t.role() == WeightRole.KERNEL && t.values().shape().equals(first.value().values().shape())) {
                    Stamped<WeightTensor> now = new Stamped<>(log.lastStep(), t);
                    report.figure("filters trained", safe(filtersTitle(now), () -> filters(now)));
                    return;
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("nnviz: the trained filters of {} could not be read: {}", first.value().layerId(), e.getMessage());
        }
    }
}
