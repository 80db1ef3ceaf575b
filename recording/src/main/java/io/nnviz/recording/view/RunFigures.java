package io.nnviz.recording.view;

import io.nnviz.analysis.Pca;
import io.nnviz.api.Histogram;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.analysis.Curve;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.run.Stamped;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.figures.ActivationGrid;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.HistogramRidge;
import io.nnviz.renderers.figures.LineChart;
import io.nnviz.renderers.figures.Notice;
import io.nnviz.renderers.figures.Scatter;
import io.nnviz.renderers.figures.SequenceProbes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Turns a run into figures, the same for the HTML report ({@link RunReport}) and the live
 * dashboard: the loss and step metrics (train and validation of one metric on one chart, a family
 * such as per-layer learning rates on one chart), epoch metrics on an epoch axis with hover
 * values, weight histograms over time, the first and latest filters, the probes' activations and
 * the embedding. Each figure is drawn when asked, from the log as it is then; one that cannot be
 * drawn (a bad series, a broken tensor) becomes a {@link Notice} saying why, and every other
 * figure is still drawn. Immutable; safe to use from any thread while the run is recorded.
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
                        + " (" + e.getClass().getSimpleName() + ")").build();
            }
        }
    }

    private final RunLog log;
    private final int histogramFigures, ridges;

    private RunFigures(RunLog log, int histogramFigures, int ridges) {
        this.log = Objects.requireNonNull(log, "log");
        this.histogramFigures = histogramFigures;
        this.ridges = ridges;
    }

    /**
     * The {@link Entry#name() name} of the figure drawing a finding's piece of evidence (the loss
     * chart, a metric's chart, a weight's histograms), as the report's Diagnosis links it.
     */
    public static String figureName(io.nnviz.analysis.doctor.Evidence evidence) {
        return DiagnosisSection.figureName(evidence);
    }

    /** The figures of {@code log}: every histogram figure, each of all the histograms kept. */
    public static RunFigures of(RunLog log) {
        return new RunFigures(log, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /** These figures with at most {@code figures} histogram figures (the first weights recorded), each of the newest {@code latest} histograms. */
    public RunFigures histograms(int figures, int latest) {
        if (figures < 0 || latest < 1) {
            throw new IllegalArgumentException("figures >= 0 and latest >= 1, got " + figures + ", " + latest);
        }
        return new RunFigures(log, figures, latest);
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
        Pca p = Pca.fit(e.activations(), 2);
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
        return Scatter.embedding(p.projected(), labels, names)
                .axes(String.format(Locale.ROOT, "PC1 (%.0f%% of variance)", 100 * r[0]),
                        String.format(Locale.ROOT, "PC2 (%.0f%% of variance)", 100 * r[1]))
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
            members.sort(Comparator.comparingInt(MetricCharts::splitOrder)); // train, validation, test, whatever order they came in
            String title = MetricCharts.title(group, members, epochs);
            String name = epochs ? "epoch " + group : group.equals("loss") ? "loss" : "metric " + group;
            add(out, ids, name, epochs ? EPOCHS : TRAINING, title, v, () -> chart(title, group, members, epochs));
        }
    }

    private Figure chart(String title, String group, List<String> members, boolean epochs) {
        LineChart c = LineChart.titled(title).xLabel(epochs ? "epoch" : "step").yLabel(MetricCharts.yLabel(group)) // every chart says what its y is
                .logY(MetricCharts.logScale(group));
        int points = 0;
        for (String m : members) {
            Curve p = epochs ? log.epochSeries(m) : log.stepSeries(m);
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

    static String filtersTitle(Stamped<WeightTensor> s) {
        return "Filters of " + s.value().layerId() + " at step " + s.step() + " " + s.value().values().shape();
    }

    static Figure filters(Stamped<WeightTensor> s) {
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
            return SequenceProbes.of(batch, inputs).title(layer + ": hidden state over time at step " + step).maxProbes(MAX_PROBES).build();
        }
        Tensor rows = batch.reshape(n, batch.size() / n);
        List<String> labels = new ArrayList<>();
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
}
