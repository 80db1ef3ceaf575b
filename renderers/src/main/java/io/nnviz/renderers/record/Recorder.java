package io.nnviz.renderers.record;

import io.nnviz.api.Histogram;
import io.nnviz.api.Layer;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Tensor;
import io.nnviz.api.Model;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.LayerSelector;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.renderers.figures.ActivationGrid;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.SaliencyOverlay;
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
 * A hook that records a training run for a report. Configured once with {@link #builder()};
 * {@link #defaults()} is enough for a first report:
 * <ul>
 *   <li>the loss and metrics every step;</li>
 *   <li>weight histograms (and gradient histograms, if asked) of the chosen layers every
 *       {@code histogramsEvery} steps;</li>
 *   <li>the first convolution's filters every {@code filtersEvery} steps, kept at the first and
 *       the latest snapshot;</li>
 *   <li>for a few fixed probe inputs, if given: activations of the chosen conv and recurrent
 *       layers every {@code probesEvery} steps (first and latest kept), and at report time the
 *       saliency and Grad-CAM of the trained model for its predicted class.</li>
 * </ul>
 * Memory stays bounded however long the run: each series keeps at most {@code maxPoints} points
 * (halving its resolution when full, always keeping the latest), histograms have fixed bins and
 * are thinned the same way. Histograms and TensorBoard writes run on one background thread behind
 * a bounded queue that drops (and counts) rather than stalls training; probe activations are
 * copied on the training thread (one small forward pass every {@code probesEvery} steps) and drawn
 * only when the report is written.
 *
 * <pre>{@code
 * Recorder rec = Recorder.builder().histogramsEvery(20).probes(fourImages).probesEvery(100)
 *         .layers(LayerSelector.matching("conv.*|fc.*")).build();
 * try (Attachment a = NNViz.attach(network, rec)) { network.fit(data, 2); }
 * rec.addTo(HtmlReport.titled("run").model(model)).write(Path.of("report"));
 * }</pre>
 */
public final class Recorder implements Hook, AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Recorder.class);
    private final int histogramEvery, filtersEvery, probesEvery, maxPoints, bins;
    private final boolean gradients;
    private final LayerSelector layers;
    private final Tensor probes;
    private final List<String> classNames;
    private final Series loss;
    private final Map<String, Series> metrics = java.util.Collections.synchronizedMap(new LinkedHashMap<>()); // read live by dashboards
    private final Map<String, List<long[]>> histogramSteps = new LinkedHashMap<>();
    private final Map<String, List<Histogram>> histograms = new LinkedHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final ThreadPoolExecutor worker;
    private volatile WeightTensor firstFilters, lastFilters;
    private volatile long firstFilterStep, lastFilterStep;
    private final Map<String, Tensor> firstProbe = new LinkedHashMap<>(), lastProbe = new LinkedHashMap<>();
    private volatile long firstProbeStep = -1, lastProbeStep = -1;
    private volatile long lastStep;
    private volatile int lastEpoch;
    private final AtomicLong histogramsRecorded = new AtomicLong();
    private volatile Model model;
    private TensorBoardWriter tensorBoard;
    private final AtomicLong tensorBoardErrors = new AtomicLong();

    private Recorder(Builder b) {
        this.histogramEvery = b.histogramsEvery;
        this.filtersEvery = b.filtersEvery;
        this.probesEvery = b.probesEvery;
        this.maxPoints = b.maxPoints;
        this.bins = b.bins;
        this.gradients = b.gradients;
        this.layers = b.layers;
        this.probes = b.probes;
        this.classNames = b.classNames;
        this.loss = new Series(maxPoints);
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> {
            Thread t = new Thread(r, "nnviz-recorder");
            t.setDaemon(true);
            return t;
        }, (r, e) -> dropped.incrementAndGet());
    }

    /**
     * Loss every step, weight histograms (30 bins) of conv, dense, recurrent and output layers every
     * 10 steps, filters every 50, at most 1000 points a series; no probes.
     */
    public static Recorder defaults() {
        return builder().build();
    }

    /** A recorder with the given histogram interval, points per series and bins (other settings as {@link #defaults()}). */
    public static Recorder of(int histogramEvery, int maxPoints, int bins) {
        return builder().histogramsEvery(histogramEvery).maxPoints(maxPoints).bins(bins).build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link Recorder}; every setting has a default. */
    public static final class Builder {
        private int histogramsEvery = 10, filtersEvery = 50, probesEvery = 100, maxPoints = 1000, bins = 30;
        private boolean gradients;
        private LayerSelector layers = LayerSelector.kinds(LayerKind.CONV, LayerKind.DENSE, LayerKind.OUTPUT, LayerKind.RECURRENT);
        private Tensor probes;
        private List<String> classNames = List.of();

        private Builder() {
        }

        /** Names of the model's output classes, in order, for the probes' saliency titles (default: class numbers). */
        public Builder classNames(List<String> names) {
            classNames = List.copyOf(names);
            return this;
        }

        private static int positive(String what, int n, int min) {
            if (n < min) {
                throw new IllegalArgumentException(what + " must be at least " + min + ", got " + n);
            }
            return n;
        }

        /** Weight (and gradient) histograms every {@code n} steps (default 10). */
        public Builder histogramsEvery(int n) {
            histogramsEvery = positive("histogramsEvery", n, 1);
            return this;
        }

        /** Also gradient histograms, where the backend supplies gradients (default off). */
        public Builder gradients(boolean on) {
            gradients = on;
            return this;
        }

        /** A filter snapshot of the first convolution every {@code n} steps (default 50); first and latest are kept. */
        public Builder filtersEvery(int n) {
            filtersEvery = positive("filtersEvery", n, 1);
            return this;
        }

        /** Which layers to record (default: conv, dense, recurrent and output layers). */
        public Builder layers(LayerSelector selector) {
            layers = java.util.Objects.requireNonNull(selector, "selector");
            return this;
        }

        /**
         * Fixed probe inputs, a batch in the model's canonical input layout (images {@code NCHW},
         * sequences {@code [N, T, C]}); keep it small (one to four samples).
         */
        public Builder probes(Tensor inputs) {
            java.util.Objects.requireNonNull(inputs, "inputs");
            if (inputs.rank() < 2 || inputs.shape().dim(0) < 1) {
                throw new IllegalArgumentException("probes must be a batch [N, ...] with N >= 1, got " + inputs.shape());
            }
            probes = inputs;
            return this;
        }

        /** Probe activations every {@code n} steps (default 100). */
        public Builder probesEvery(int n) {
            probesEvery = positive("probesEvery", n, 1);
            return this;
        }

        /** Points kept per series, and histograms kept per weight (half this); default 1000. */
        public Builder maxPoints(int n) {
            maxPoints = positive("maxPoints", n, 2);
            return this;
        }

        /** Histogram bins (default 30). */
        public Builder bins(int n) {
            bins = positive("bins", n, 1);
            return this;
        }

        /** The recorder. */
        public Recorder build() {
            return new Recorder(this);
        }
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
        boolean hist = step % histogramEvery == 0 || step == 1;
        if (!hist && step % filtersEvery != 0) {
            return CaptureRequest.NONE;
        }
        CaptureRequest r = CaptureRequest.weights(layers);
        return gradients && hist ? r.withGradients() : r;
    }

    @Override
    public void onStepEnd(TrainingEvent e) {
        lastStep = e.step();
        lastEpoch = e.epoch();
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
        if (probes != null && model != null && (e.step() % probesEvery == 0 || e.step() == 1)) {
            recordProbes(e.step());
        }
        boolean hist = e.step() % histogramEvery == 0 || e.step() == 1;
        if (hist) {
            histogramsOf(e.step(), e.snapshot().gradients(), " (gradient)");
        }
        Map<String, List<WeightTensor>> w = e.snapshot().weights();
        if (w.isEmpty()) {
            return;
        }
        boolean filters = e.step() % filtersEvery == 0 || e.step() == 1;
        for (List<WeightTensor> ws : filters ? w.values() : List.<List<WeightTensor>>of()) {
            for (WeightTensor t : ws) {
                if (t.role() == WeightRole.KERNEL && t.values().rank() == 4) {
                    if (firstFilters == null) {
                        firstFilters = t;
                        firstFilterStep = e.step();
                    }
                    if (t.layerId().equals(firstFilters.layerId())) {
                        lastFilters = t;
                        lastFilterStep = e.step();
                        if (tensorBoard != null) { // the filter tiles as a TensorBoard image, drawn off the training thread
                            long at = e.step();
                            worker.execute(() -> toTensorBoard(tb -> {
                                io.nnviz.renderers.canvas.RasterImage tiles = FilterGrid.of(t).build().mosaic();
                                tb.image("filters/" + t.layerId(), at, tiles.toPng(), tiles.width(), tiles.height());
                            }));
                        }
                    }
                }
            }
        }
        if (hist) {
            histogramsOf(e.step(), w, "");
        }
    }

    private void histogramsOf(long step, Map<String, List<WeightTensor>> w, String suffix) {
        if (w.isEmpty()) {
            return;
        }
        worker.execute(() -> w.forEach((layer, ws) -> {
            for (WeightTensor t : ws) {
                String key = layer + " / " + t.name() + suffix;
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
                    histogramsRecorded.incrementAndGet();
                    toTensorBoard(tb -> tb.histogram(key.replace(" / ", "/").replace(" (gradient)", "/gradient"), step, h));
                }
            }
        }));
    }

    /** Layers whose probe activations are kept: selected conv (maps) and recurrent (states over time) layers. */
    private List<String> probeLayers() {
        List<String> ids = new ArrayList<>();
        for (Layer l : model.layers()) {
            if ((l.kind() == LayerKind.CONV || l.kind() == LayerKind.RECURRENT) && layers.test(l)) {
                ids.add(l.id());
            }
        }
        return ids;
    }

    private void recordProbes(long step) {
        List<String> ids = probeLayers();
        if (ids.isEmpty()) {
            return;
        }
        Map<String, Tensor> acts = model.activations(probes, ids); // copies: the tensors are ours
        synchronized (firstProbe) {
            if (firstProbe.isEmpty()) {
                firstProbe.putAll(acts);
                firstProbeStep = step;
            }
            lastProbe.clear();
            lastProbe.putAll(acts);
            lastProbeStep = step;
        }
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
     * curves, weight histograms over time, the first and latest filters, and the probes. The
     * report's own model ({@link HtmlReport#model(Model)}) is used for the architecture and the
     * probes' saliency when it has one, else the model the hook was attached to. Ends the
     * recording (pending background work is finished first).
     */
    public HtmlReport addTo(HtmlReport report) {
        flush();
        // the report's model is the one the caller holds open now; the hook's view may have closed with the attachment
        Model m = report.model().orElse(model);
        if (m != null) {
            report.section("Architecture").figure("architecture", ArchitectureDiagram.of(m).build());
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
            WeightTensor last = lastFilters;
            long lastAt = lastFilterStep;
            if (m != null && lastStep > lastAt) { // the trained filters, read from the model now training has ended
                try {
                    for (WeightTensor t : m.weights(firstFilters.layerId())) {
                        if (t.role() == WeightRole.KERNEL && t.values().shape().equals(firstFilters.values().shape())) {
                            last = t;
                            lastAt = lastStep;
                        }
                    }
                } catch (RuntimeException e) {
                    LOG.warn("nnviz: the final filters of {} could not be read: {}", firstFilters.layerId(), e.getMessage());
                }
            }
            if (last != null && lastAt != firstFilterStep) {
                report.figure("filters last", FilterGrid.of(last).title("Filters of " + last.layerId()
                        + " at step " + lastAt + " " + last.values().shape()).build());
            }
        }
        probesTo(report, m);
        return report;
    }

    /**
     * The probes: activations of each probe layer for probe 0 at the first and latest recording
     * (maps for conv layers, a units-by-time heatmap for recurrent ones), and, for image inputs,
     * the trained model's saliency and Grad-CAM (at the last conv layer) for its predicted class.
     */
    private void probesTo(HtmlReport report, Model model) {
        Map<String, Tensor> first, last;
        synchronized (firstProbe) {
            first = new LinkedHashMap<>(firstProbe);
            last = new LinkedHashMap<>(lastProbe);
        }
        if (probes == null || model == null) {
            return;
        }
        report.section("Probe input" + (probes.shape().dim(0) > 1 ? " 0 of " + probes.shape().dim(0) : ""));
        String lastConv = null;
        for (Map.Entry<String, Tensor> e : last.entrySet()) {
            String id = e.getKey();
            Tensor a = e.getValue().slice(0);
            if (a.rank() == 3) { // conv maps [C, H, W]
                lastConv = id;
                if (first.containsKey(id) && firstProbeStep != lastProbeStep) {
                    report.figure("probe " + id + " first", ActivationGrid.of(first.get(id).slice(0)).topK(16)
                            .title(id + " at step " + firstProbeStep).build());
                }
                report.figure("probe " + id, ActivationGrid.of(a).topK(16)
                        .title(id + " at step " + lastProbeStep).build());
            } else if (a.rank() == 2) { // sequences [T, C]: units down, time across
                Tensor units = a.permute(1, 0);
                report.figure("probe " + id, Heatmap.of(units).axes("unit", "time step")
                        .colormap(units.stats().min() < 0 ? io.nnviz.renderers.color.Colormaps.DIVERGING
                                : io.nnviz.renderers.color.Colormaps.VIRIDIS)
                        .title(id + ": hidden state over time at step " + lastProbeStep).build());
            }
        }
        if (probes.rank() != 4) {
            return;
        }
        Tensor probe = probes.head(1);
        try {
            Layer out = model.layers().get(model.layers().size() - 1);
            Tensor scores = model.activations(probe, List.of(out.id())).get(out.id());
            int cls = argmax(scores);
            String what = cls < classNames.size() ? classNames.get(cls) + " (class " + cls + ")" : "class " + cls;
            report.figure("saliency", SaliencyOverlay.saliency(probe.slice(0), model.inputGradient(probe, cls).slice(0))
                    .title("Saliency for " + what + ", the predicted class").build());
            if (lastConv != null) {
                report.figure("grad-cam", SaliencyOverlay.gradCam(probe.slice(0), model.layerGradient(probe, lastConv, cls))
                        .title("Grad-CAM at " + lastConv + " for " + what).build());
            }
        } catch (RuntimeException ex) { // a model that cannot give gradients still gets its other figures
            LOG.warn("nnviz: no saliency for the probe: {}", ex.getMessage());
        }
    }

    private static int argmax(Tensor scores) {
        float[] v = scores.toArray();
        int n = (int) scores.shape().dim(scores.rank() - 1), best = 0;
        for (int i = 1; i < n; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The latest step seen. */
    public long lastStep() {
        return lastStep;
    }

    /** The epoch of the latest step. */
    public int lastEpoch() {
        return lastEpoch;
    }

    /** Histograms computed so far (it only grows; a cheap change counter for live views). */
    public long histogramsRecorded() {
        return histogramsRecorded.get();
    }

    /**
     * The newest {@code n} histograms of each recorded weight, oldest first, with their steps: a
     * copy, safe to read while training runs.
     */
    public Map<String, List<Map.Entry<Long, Histogram>>> latestHistograms(int n) {
        Map<String, List<Map.Entry<Long, Histogram>>> out = new LinkedHashMap<>();
        synchronized (histograms) {
            histograms.forEach((key, hs) -> {
                List<long[]> steps = histogramSteps.get(key);
                List<Map.Entry<Long, Histogram>> l = new ArrayList<>();
                for (int i = Math.max(0, hs.size() - n); i < hs.size(); i++) {
                    l.add(Map.entry(steps.get(i)[0], hs.get(i)));
                }
                out.put(key, l);
            });
        }
        return out;
    }

    /** The latest filter snapshot of the first convolution and its step, if any. */
    public java.util.Optional<Map.Entry<Long, WeightTensor>> latestFilters() {
        WeightTensor t = lastFilters;
        return t == null ? java.util.Optional.empty() : java.util.Optional.of(Map.entry(lastFilterStep, t));
    }

    /** The latest probe activations by layer id (empty without probes) and the step they were taken at (-1 if none). */
    public Map.Entry<Long, Map<String, Tensor>> latestProbes() {
        synchronized (firstProbe) {
            return Map.entry(lastProbeStep, Map.copyOf(lastProbe));
        }
    }

    /** The names of the metrics recorded so far, in the order first seen. */
    public List<String> metricNames() {
        synchronized (metrics) {
            return List.copyOf(metrics.keySet());
        }
    }

    /** One metric's series as {x: steps, y: values} (empty arrays if it was never recorded), a copy. */
    public double[][] metricSeries(String name) {
        Series s = metrics.get(name);
        return s == null ? new double[2][0] : s.xy();
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
            synchronized (metrics) {
                for (Map.Entry<String, Series> e : metrics.entrySet()) {
                    writeSeries(g, e.getKey(), e.getValue());
                }
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
