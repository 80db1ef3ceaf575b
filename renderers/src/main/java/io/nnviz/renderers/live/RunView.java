package io.nnviz.renderers.live;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.nnviz.api.Histogram;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.figures.ActivationGrid;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.HistogramRidge;
import io.nnviz.renderers.figures.LineChart;
import io.nnviz.renderers.record.Recorder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One run on the dashboard: reads the recorder's state (copies, never blocking training) and draws
 * its figures on demand, each at most once per change and per render interval, caching the SVG.
 */
final class RunView {
    /** Histogram figures shown (the first weights recorded), and the newest histograms drawn in each. */
    static final int MAX_HISTOGRAM_FIGURES = 8, RIDGES = 12;

    private final String name;
    private final Recorder recorder;
    private final long minRenderNanos;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final ArrayDeque<long[]> rate = new ArrayDeque<>(); // (nanoTime, step), newest last, at most 64

    private record Cached(long version, long renderedAt, byte[] svg) {
    }

    /** A figure on the page: its id, title and change counter. */
    private record Entry(String id, String title, long version, Supplier<Figure> draw) {
    }

    RunView(String name, Recorder recorder, long minRenderNanos) {
        this.name = name;
        this.recorder = recorder;
        this.minRenderNanos = minRenderNanos;
    }

    String name() {
        return name;
    }

    /** The figures the run has now, in page order. */
    private List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        long step = recorder.lastStep();
        out.add(new Entry("loss", "Training loss", step, () -> {
            double[][] l = recorder.lossSeries();
            return LineChart.titled("Training loss").yLabel("loss").series("loss", l[0], l[1]).smoothing(0.6).build();
        }));
        int i = 0;
        for (String metric : recorder.metricNames()) {
            int k = i++;
            out.add(new Entry("metric-" + k, metric, step, () -> {
                double[][] xy = recorder.metricSeries(metric);
                return LineChart.titled(metric).series(metric, xy[0], xy[1]).build();
            }));
        }
        long histVersion = recorder.histogramsRecorded();
        int h = 0;
        for (String key : recorder.latestHistograms(1).keySet()) {
            if (h == MAX_HISTOGRAM_FIGURES) {
                break;
            }
            out.add(new Entry("hist-" + h++, key, histVersion, () -> {
                HistogramRidge ridge = HistogramRidge.titled(key + " (latest " + RIDGES + ")").valueLabel("weight");
                for (Map.Entry<Long, Histogram> e : recorder.latestHistograms(RIDGES).getOrDefault(key, List.of())) {
                    ridge.add(e.getKey(), e.getValue());
                }
                return ridge.build();
            }));
        }
        recorder.latestFilters().ifPresent(f -> out.add(new Entry("filters", "Filters of " + f.getValue().layerId(), f.getKey(), () -> {
            Map.Entry<Long, WeightTensor> now = recorder.latestFilters().orElse(f);
            return FilterGrid.of(now.getValue()).title("Filters of " + now.getValue().layerId() + " at step " + now.getKey()).build();
        })));
        Map.Entry<Long, Map<String, Tensor>> probes = recorder.latestProbes();
        int p = 0;
        for (String layer : probes.getValue().keySet().stream().sorted().toList()) {
            out.add(new Entry("probe-" + p++, layer + " on the probe", probes.getKey(), () -> {
                Map.Entry<Long, Map<String, Tensor>> now = recorder.latestProbes();
                Tensor a = now.getValue().getOrDefault(layer, probes.getValue().get(layer)).slice(0);
                if (a.rank() == 3) {
                    return ActivationGrid.of(a).topK(16).title(layer + " at step " + now.getKey()).build();
                }
                Tensor units = a.rank() == 2 ? a.permute(1, 0) : a.reshape(1, (int) a.shape().size());
                return Heatmap.of(units).axes("unit", a.rank() == 2 ? "time step" : "")
                        .colormap(units.stats().min() < 0 ? Colormaps.DIVERGING : Colormaps.VIRIDIS)
                        .title(layer + " at step " + now.getKey()).build();
            }));
        }
        return out;
    }

    /** The state the page polls: counters, rate, and each figure's id, title and version. */
    byte[] stateJson() {
        long step = recorder.lastStep(), now = System.nanoTime();
        double perSecond;
        synchronized (rate) {
            if (rate.isEmpty() || now - rate.peekLast()[0] > 200_000_000L) {
                rate.addLast(new long[] {now, step});
                if (rate.size() > 64) {
                    rate.removeFirst();
                }
            }
            while (rate.size() > 2 && now - rate.peekFirst()[0] > 10_000_000_000L) { // a 10-second window
                rate.removeFirst();
            }
            long[] first = rate.peekFirst(), last = rate.peekLast();
            perSecond = last[0] > first[0] ? (last[1] - first[1]) / ((last[0] - first[0]) / 1e9) : 0;
        }
        double[][] loss = recorder.lossSeries();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (JsonGenerator g = new JsonFactory().createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("run", name);
            g.writeNumberField("step", step);
            g.writeNumberField("epoch", recorder.lastEpoch());
            g.writeNumberField("stepsPerSecond", Math.round(perSecond * 10) / 10.0);
            g.writeNumberField("lossPoints", loss[0].length);
            double latest = loss[1].length == 0 ? Double.NaN : loss[1][loss[1].length - 1];
            if (Double.isFinite(latest)) {
                g.writeNumberField("loss", latest);
            } else {
                g.writeStringField("loss", Double.toString(latest));
            }
            g.writeNumberField("dropped", recorder.dropped());
            g.writeArrayFieldStart("figures");
            for (Entry e : entries()) {
                g.writeStartObject();
                g.writeStringField("id", e.id());
                g.writeStringField("title", e.title());
                g.writeNumberField("version", e.version());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A figure's SVG, drawn again only if its data changed and the last drawing is old enough; null if no such figure. */
    byte[] figure(String id) {
        for (Entry e : entries()) {
            if (!e.id().equals(id)) {
                continue;
            }
            long now = System.nanoTime();
            Cached c = cache.get(id);
            if (c != null && (c.version() == e.version() || now - c.renderedAt() < minRenderNanos)) {
                return c.svg();
            }
            synchronized (this) { // one drawing at a time per run: several viewers share it
                c = cache.get(id);
                if (c != null && (c.version() == e.version() || now - c.renderedAt() < minRenderNanos)) {
                    return c.svg();
                }
                byte[] svg = Figures.toSvg(e.draw().get()).getBytes(StandardCharsets.UTF_8);
                cache.put(id, new Cached(e.version(), System.nanoTime(), svg));
                return svg;
            }
        }
        return null;
    }
}
