package io.nnviz.renderers.record;

import io.nnviz.api.Histogram;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Model;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.LayerSelector;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.renderers.figures.HistogramRidge;
import io.nnviz.renderers.figures.LineChart;
import io.nnviz.renderers.report.HtmlReport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hook that records a training run for a report: the loss every step, weight histograms every
 * {@code histogramEvery} steps, and the first convolution's filters at the first and the latest
 * snapshot. Memory stays bounded however long the run: each series keeps at most
 * {@code maxPoints} points (halving its resolution when full, always keeping the latest), and
 * histograms have fixed bins. Histograms are computed on one background thread behind a bounded
 * queue that drops (and counts) rather than stalls training.
 *
 * <pre>{@code
 * Recorder rec = Recorder.defaults();
 * try (Attachment a = NNViz.attach(network, rec)) { network.fit(data, 2); }
 * rec.addTo(HtmlReport.titled("run").model(model)).write(Path.of("report"));
 * }</pre>
 */
public final class Recorder implements Hook, AutoCloseable {
    private final int histogramEvery, maxPoints, bins;
    private final Series loss;
    private final Map<String, Series> metrics = new LinkedHashMap<>();
    private final Map<String, List<long[]>> histogramSteps = new LinkedHashMap<>();
    private final Map<String, List<Histogram>> histograms = new LinkedHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final ThreadPoolExecutor worker;
    private volatile WeightTensor firstFilters, lastFilters;
    private volatile long firstFilterStep, lastFilterStep;
    private Model model;
    private TensorBoardWriter tensorBoard;
    private final AtomicLong tensorBoardErrors = new AtomicLong();

    private Recorder(int histogramEvery, int maxPoints, int bins) {
        this.histogramEvery = histogramEvery;
        this.maxPoints = maxPoints;
        this.bins = bins;
        this.loss = new Series(maxPoints);
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> {
            Thread t = new Thread(r, "nnviz-recorder");
            t.setDaemon(true);
            return t;
        }, (r, e) -> dropped.incrementAndGet());
    }

    /** Loss every step, weight histograms (30 bins) every 10 steps, at most 1000 points a series. */
    public static Recorder defaults() {
        return new Recorder(10, 1000, 30);
    }

    /** A recorder with the given histogram interval, points per series and bins. */
    public static Recorder of(int histogramEvery, int maxPoints, int bins) {
        if (histogramEvery < 1 || maxPoints < 2 || bins < 1) {
            throw new IllegalArgumentException("need histogramEvery >= 1, maxPoints >= 2, bins >= 1");
        }
        return new Recorder(histogramEvery, maxPoints, bins);
    }

    /**
     * Also writes the loss, metrics and weight histograms as TensorBoard event files in {@code dir}
     * (on the recorder's background thread, never on the training thread).
     */
    public Recorder tensorBoard(java.nio.file.Path dir) throws java.io.IOException {
        this.tensorBoard = TensorBoardWriter.create(dir);
        return this;
    }

    /** The TensorBoard event file, if {@link #tensorBoard} was asked for. */
    public java.util.Optional<java.nio.file.Path> tensorBoardFile() {
        return java.util.Optional.ofNullable(tensorBoard).map(TensorBoardWriter::file);
    }

    private interface TbWrite {
        void write(TensorBoardWriter tb) throws java.io.IOException;
    }

    private void toTensorBoard(TbWrite w) {
        TensorBoardWriter tb = tensorBoard;
        if (tb == null) {
            return;
        }
        try {
            w.write(tb);
        } catch (java.io.IOException | RuntimeException e) {
            tensorBoardErrors.incrementAndGet();
        }
    }

    /** A bounded series of (step, value) that halves its resolution when full and always keeps the latest point. */
    static final class Series {
        private final int max;
        private final List<double[]> points = new ArrayList<>();
        private int stride = 1;
        private long seen;

        Series(int max) {
            this.max = max;
        }

        synchronized void add(long step, double value) {
            seen++;
            if (!points.isEmpty() && (seen - 1) % stride != 0) {
                points.set(points.size() - 1, new double[] {step, value}); // keep the latest in the last slot
                return;
            }
            points.add(new double[] {step, value});
            if (points.size() > max) {
                List<double[]> kept = new ArrayList<>(max / 2 + 1);
                for (int i = 0; i < points.size(); i += 2) {
                    kept.add(points.get(i));
                }
                if (kept.get(kept.size() - 1) != points.get(points.size() - 1)) {
                    kept.add(points.get(points.size() - 1));
                }
                points.clear();
                points.addAll(kept);
                stride *= 2;
            }
        }

        synchronized double[][] xy() {
            double[] x = new double[points.size()], y = new double[points.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = points.get(i)[0];
                y[i] = points.get(i)[1];
            }
            return new double[][] {x, y};
        }

        synchronized int size() {
            return points.size();
        }
    }

    @Override
    public void onAttach(Model m) {
        this.model = m;
    }

    @Override
    public CaptureRequest request(long step, int epoch) {
        return step % histogramEvery == 0 || step == 1
                ? CaptureRequest.weights(LayerSelector.kinds(LayerKind.CONV, LayerKind.DENSE, LayerKind.OUTPUT, LayerKind.RECURRENT))
                : CaptureRequest.NONE;
    }

    @Override
    public void onStepEnd(TrainingEvent e) {
        loss.add(e.step(), e.loss());
        e.metrics().forEach((k, v) -> metrics.computeIfAbsent(k, x -> new Series(maxPoints)).add(e.step(), v));
        if (tensorBoard != null) {
            long at = e.step();
            double lossValue = e.loss();
            Map<String, Double> m = e.metrics();
            worker.execute(() -> toTensorBoard(tb -> {
                tb.scalar("loss", at, lossValue);
                for (Map.Entry<String, Double> x : m.entrySet()) {
                    tb.scalar(x.getKey(), at, x.getValue());
                }
            }));
        }
        Map<String, List<WeightTensor>> w = e.snapshot().weights();
        if (w.isEmpty()) {
            return;
        }
        for (List<WeightTensor> ws : w.values()) {
            for (WeightTensor t : ws) {
                if (t.role() == WeightRole.KERNEL && t.values().rank() == 4) {
                    if (firstFilters == null) {
                        firstFilters = t;
                        firstFilterStep = e.step();
                    }
                    if (t.layerId().equals(firstFilters.layerId())) {
                        lastFilters = t;
                        lastFilterStep = e.step();
                    }
                }
            }
        }
        long step = e.step();
        worker.execute(() -> w.forEach((layer, ws) -> {
            for (WeightTensor t : ws) {
                String key = layer + " / " + t.name();
                synchronized (histograms) {
                    List<Histogram> hs = histograms.computeIfAbsent(key, k -> new ArrayList<>());
                    List<long[]> steps = histogramSteps.computeIfAbsent(key, k -> new ArrayList<>());
                    if (hs.size() >= maxPoints / 2) { // thin out evenly, keep the newest
                        for (int i = hs.size() - 2; i > 0; i -= 2) {
                            hs.remove(i);
                            steps.remove(i);
                        }
                    }
                    Histogram h = Histogram.of(t.values(), bins);
                    hs.add(h);
                    steps.add(new long[] {step});
                    toTensorBoard(tb -> tb.histogram(key.replace(" / ", "/"), step, h));
                }
            }
        }));
    }

    /** Waits for pending histograms and TensorBoard writes (at most a minute); closes the event file. */
    public void flush() {
        worker.shutdown();
        try {
            worker.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        toTensorBoard(TensorBoardWriter::close);
    }

    /** TensorBoard writes that failed (the file system); the run goes on without them. */
    public long tensorBoardErrors() {
        return tensorBoardErrors.get();
    }

    /** Histogram jobs dropped because training outran the background thread. */
    public long dropped() {
        return dropped.get();
    }

    /** Losses kept (bounded). */
    public int lossPoints() {
        return loss.size();
    }

    /** The loss series as {x: steps, y: values}. */
    public double[][] lossSeries() {
        return loss.xy();
    }

    /**
     * Adds the run's figures to a report: architecture (if the model is known), loss and metric
     * curves, weight histograms over time, and the first and latest filters.
     */
    public HtmlReport addTo(HtmlReport report) {
        flush();
        if (model != null) {
            report.section("Architecture").figure("architecture", ArchitectureDiagram.of(model).build());
        }
        report.section("Training");
        double[][] l = loss.xy();
        LineChart chart = LineChart.titled("Training loss").yLabel("loss").series("loss", l[0], l[1]).smoothing(0.6);
        report.figure("loss", chart.build());
        metrics.forEach((k, s) -> {
            double[][] xy = s.xy();
            report.figure(k, LineChart.titled(k).series(k, xy[0], xy[1]).build());
        });
        synchronized (histograms) {
            if (!histograms.isEmpty()) {
                report.section("Weights over time");
                histograms.forEach((key, hs) -> {
                    HistogramRidge ridge = HistogramRidge.titled(key).valueLabel("weight");
                    List<long[]> steps = histogramSteps.get(key);
                    for (int i = 0; i < hs.size(); i++) {
                        ridge.add(steps.get(i)[0], hs.get(i));
                    }
                    report.figure("hist " + key, ridge.build());
                });
            }
        }
        if (firstFilters != null) {
            report.section("Filters");
            report.figure("filters first", FilterGrid.of(firstFilters).title("Filters of " + firstFilters.layerId()
                    + " at step " + firstFilterStep + " " + firstFilters.values().shape()).build());
            if (lastFilters != null && lastFilterStep != firstFilterStep) {
                report.figure("filters last", FilterGrid.of(lastFilters).title("Filters of " + lastFilters.layerId()
                        + " at step " + lastFilterStep + " " + lastFilters.values().shape()).build());
            }
        }
        return report;
    }

    /**
     * Writes the run's data as JSON for other tools: the loss and metric series, and each weight's
     * histograms over time ({@code steps}, {@code min}, {@code max}, {@code counts}, non-finite
     * counts). Written to a temporary file and renamed. Ends the recording, like {@link #addTo}.
     */
    public void writeJson(java.nio.file.Path file) throws java.io.IOException {
        flush();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (com.fasterxml.jackson.core.JsonGenerator g = new com.fasterxml.jackson.core.JsonFactory().createGenerator(bytes)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("format", "nnviz-run/1");
            if (model != null) {
                g.writeStringField("model", model.name());
                g.writeStringField("framework", model.framework());
                g.writeNumberField("parameters", model.parameterCount());
            }
            g.writeNumberField("histogramJobsDropped", dropped.get());
            g.writeObjectFieldStart("series");
            writeSeries(g, "loss", loss);
            for (Map.Entry<String, Series> e : metrics.entrySet()) {
                writeSeries(g, e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeObjectFieldStart("histograms");
            synchronized (histograms) {
                for (Map.Entry<String, List<Histogram>> e : histograms.entrySet()) {
                    g.writeArrayFieldStart(e.getKey());
                    List<long[]> steps = histogramSteps.get(e.getKey());
                    for (int i = 0; i < e.getValue().size(); i++) {
                        Histogram h = e.getValue().get(i);
                        g.writeStartObject();
                        g.writeNumberField("step", steps.get(i)[0]);
                        g.writeNumberField("min", h.min());
                        g.writeNumberField("max", h.max());
                        g.writeNumberField("nonFinite", h.nonFinite());
                        long[] c = h.counts();
                        g.writeFieldName("counts");
                        g.writeArray(c, 0, c.length);
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                }
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        io.nnviz.renderers.AtomicFiles.write(file, bytes.toByteArray());
    }

    private static void writeSeries(com.fasterxml.jackson.core.JsonGenerator g, String name, Series s) throws java.io.IOException {
        double[][] xy = s.xy();
        g.writeObjectFieldStart(name);
        g.writeFieldName("steps");
        g.writeStartArray();
        for (double x : xy[0]) {
            g.writeNumber((long) x);
        }
        g.writeEndArray();
        g.writeFieldName("values");
        g.writeStartArray();
        for (double y : xy[1]) {
            if (Double.isFinite(y)) {
                g.writeNumber(y);
            } else {
                g.writeString(Double.toString(y)); // JSON has no NaN or Infinity
            }
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    @Override
    public void close() {
        flush();
    }
}
