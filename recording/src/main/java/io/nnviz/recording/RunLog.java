package io.nnviz.recording;

import io.nnviz.api.Histogram;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything a training run recorded, bounded whatever the run's length, and the read API that
 * reports, dashboards and {@link RunJson} use. Written by a {@link Recorder} (or by hand, or read
 * back from {@code run.json}); safe to read from any thread while it is being written, every read
 * returning a copy.
 *
 * <p>What it keeps:
 * <ul>
 *   <li>step series (the loss, per-step metrics) and epoch series (per-epoch metrics), each a
 *       reservoir of at most {@code maxPoints} points at an even resolution that always holds the
 *       latest point;</li>
 *   <li>histograms of each weight over time, at most {@code maxPoints / 2} per weight, thinned
 *       evenly, the newest always kept;</li>
 *   <li>the first and the latest filter snapshot, the probe inputs, and the probes' activations at
 *       the first and the latest recording.</li>
 * </ul>
 * Steps are the run's global steps, epochs zero-based.
 */
public final class RunLog {
    private final int maxPoints;
    private volatile RunInfo info;
    private final Map<String, Series> steps = new LinkedHashMap<>(), epochs = new LinkedHashMap<>();
    private final Map<String, List<Stamped<Histogram>>> histograms = new LinkedHashMap<>();
    private volatile Stamped<WeightTensor> firstFilters, latestFilters;
    private volatile Stamped<Map<String, List<WeightTensor>>> initialWeights;
    private volatile Stamped<Map<String, Double>> latestGradientNorms;
    private volatile long lastWallClock, finishedAt;
    private volatile Tensor probeInputs;
    private volatile Stamped<Map<String, Tensor>> firstProbes, latestProbes;
    private volatile Stamped<Embedding> latestEmbedding;
    private final AtomicLong embeddingVersion = new AtomicLong();
    private final Map<String, String> notes = new LinkedHashMap<>();
    private volatile long lastStep;
    private volatile int lastEpoch, epochsEnded;
    private final AtomicLong scalarVersion = new AtomicLong(), histogramVersion = new AtomicLong(),
            filterVersion = new AtomicLong(), probeVersion = new AtomicLong(), dropped = new AtomicLong();

    private RunLog(RunInfo info, int maxPoints) {
        this.info = Objects.requireNonNull(info, "info");
        if (maxPoints < 2) {
            throw new IllegalArgumentException("maxPoints must be at least 2, got " + maxPoints);
        }
        this.maxPoints = maxPoints;
    }

    /** An empty log for the run {@code info}, keeping at most {@code maxPoints} points a series. */
    public static RunLog create(RunInfo info, int maxPoints) {
        return new RunLog(info, maxPoints);
    }

    /** The run. */
    public RunInfo info() {
        return info;
    }

    /** Replaces what is known of the run (its model, once a hook learns it). */
    public void info(RunInfo newInfo) {
        this.info = Objects.requireNonNull(newInfo, "info");
        scalarVersion.incrementAndGet();
    }

    /** Points kept per series at most. */
    public int maxPoints() {
        return maxPoints;
    }

    // ---- writing -------------------------------------------------------------------------------

    /** Records a per-step value (the loss, a metric) at a global step. */
    public void scalar(String name, long step, double value) {
        series(steps, name).add(step, value);
        scalarVersion.incrementAndGet();
    }

    /** Records a per-epoch value at a zero-based epoch. */
    public void epochScalar(String name, int epoch, double value) {
        series(epochs, name).add(epoch, value);
        scalarVersion.incrementAndGet();
    }

    private Series series(Map<String, Series> m, String name) {
        Objects.requireNonNull(name, "name");
        synchronized (m) {
            return m.computeIfAbsent(name, k -> new Series(maxPoints));
        }
    }

    /**
     * Notes that training reached global {@code step} in zero-based {@code epoch} (a resumed run
     * continues from here). Values logged at other steps do not move it.
     */
    public synchronized void advance(long step, int epoch) {
        lastStep = Math.max(lastStep, step);
        lastEpoch = Math.max(lastEpoch, epoch);
    }

    /** Notes that zero-based {@code epoch} ended. */
    public synchronized void epochEnded(int epoch) {
        epochsEnded = Math.max(epochsEnded, epoch + 1);
        scalarVersion.incrementAndGet();
    }

    /** Records a histogram of one weight (or gradient) at a step; old ones are thinned evenly when full. */
    public void histogram(String key, long step, Histogram h) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(h, "histogram");
        synchronized (histograms) {
            List<Stamped<Histogram>> hs = histograms.computeIfAbsent(key, k -> new ArrayList<>());
            if (hs.size() >= Math.max(2, maxPoints / 2)) { // every other one goes, the first and the newest stay
                for (int i = hs.size() - 2; i > 0; i -= 2) {
                    hs.remove(i);
                }
            }
            hs.add(new Stamped<>(step, h));
        }
        histogramVersion.incrementAndGet();
    }

    /** Records a filter snapshot: the first one is kept, later ones replace the latest. */
    public void filters(long step, WeightTensor kernel) {
        Stamped<WeightTensor> s = new Stamped<>(step, kernel);
        synchronized (this) {
            if (firstFilters == null) {
                firstFilters = s;
            }
            latestFilters = s;
        }
        filterVersion.incrementAndGet();
    }

    /** The fixed probe inputs whose activations {@link #probes} records. */
    public void probeInputs(Tensor inputs) {
        this.probeInputs = Objects.requireNonNull(inputs, "inputs");
    }

    /** Records the probes' activations by layer id, in model order: the first recording is kept, later ones replace the latest. */
    public void probes(long step, Map<String, Tensor> activations) {
        Stamped<Map<String, Tensor>> s = new Stamped<>(step, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(activations))); // model order
        synchronized (this) {
            if (firstProbes == null) {
                firstProbes = s;
            }
            latestProbes = s;
        }
        probeVersion.incrementAndGet();
    }

    /**
     * A layer's activations over the labelled embedding set at one step.
     *
     * @param layerId     the layer
     * @param activations {@code [N, ...]}, one row per input
     * @param labels      each input's class index
     */
    public record Embedding(String layerId, Tensor activations, int[] labels) {
        /** Copies the labels. */
        public Embedding {
            labels = labels.clone();
        }

        @Override
        public int[] labels() {
            return labels.clone();
        }
    }

    /** Records the embedding set's activations; only the latest is kept. */
    public void embedding(long step, Embedding e) {
        latestEmbedding = new Stamped<>(step, Objects.requireNonNull(e, "embedding"));
        embeddingVersion.incrementAndGet();
    }

    /** The latest embedding capture, if any. */
    public Optional<Stamped<Embedding>> latestEmbedding() {
        return Optional.ofNullable(latestEmbedding);
    }

    /** Changes when a new embedding capture arrives. */
    public long embeddingVersion() {
        return embeddingVersion.get();
    }

    /** Sets a note on how the run was recorded (shown with its figures); a note of the same key is replaced. */
    public void note(String key, String text) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(text, "text");
        synchronized (notes) {
            notes.put(key, text);
        }
        scalarVersion.incrementAndGet();
    }

    /** The notes by key, in the order first set. */
    public Map<String, String> notes() {
        synchronized (notes) {
            return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(notes));
        }
    }

    /** Counts work the recorder dropped rather than stall training. */
    public void dropped(long n) {
        dropped.addAndGet(n);
    }

    /** The reservoir of a series, for {@link RunJson}: step series if {@code epochSeries} is false. */
    Series reservoir(String name, boolean epochSeries) {
        return series(epochSeries ? epochs : steps, name);
    }

    // ---- reading -------------------------------------------------------------------------------

    /** The latest step seen (0 before the first). */
    public long lastStep() {
        return lastStep;
    }

    /** The zero-based epoch of the latest step. */
    public int lastEpoch() {
        return lastEpoch;
    }

    /** How many epochs ended. */
    public int epochsEnded() {
        return epochsEnded;
    }

    /** Names of the step series, in the order first recorded. */
    public List<String> stepSeriesNames() {
        synchronized (steps) {
            return List.copyOf(steps.keySet());
        }
    }

    /** A step series (x: global steps); empty if never recorded. */
    public Points stepSeries(String name) {
        Series s;
        synchronized (steps) {
            s = steps.get(name);
        }
        return s == null ? Points.empty() : s.points();
    }

    /** Names of the epoch series, in the order first recorded. */
    public List<String> epochSeriesNames() {
        synchronized (epochs) {
            return List.copyOf(epochs.keySet());
        }
    }

    /** An epoch series (x: zero-based epochs); empty if never recorded. */
    public Points epochSeries(String name) {
        Series s;
        synchronized (epochs) {
            s = epochs.get(name);
        }
        return s == null ? Points.empty() : s.points();
    }

    /** Keys of the recorded histograms ({@code "layer / weight"}), in the order first recorded. */
    public List<String> histogramKeys() {
        synchronized (histograms) {
            return List.copyOf(histograms.keySet());
        }
    }

    /** One weight's histograms, oldest first. */
    public List<Stamped<Histogram>> histograms(String key) {
        synchronized (histograms) {
            return List.copyOf(histograms.getOrDefault(key, List.of()));
        }
    }

    /** One weight's newest {@code n} histograms, oldest first. */
    public List<Stamped<Histogram>> latestHistograms(String key, int n) {
        synchronized (histograms) {
            List<Stamped<Histogram>> hs = histograms.getOrDefault(key, List.of());
            return List.copyOf(hs.subList(Math.max(0, hs.size() - n), hs.size()));
        }
    }

    /** Keeps the weights of the run's first capture ({@link RecorderBuilder#keepInitialWeights}); later calls do nothing. */
    public void initialWeights(long step, Map<String, List<WeightTensor>> weights) {
        synchronized (this) {
            if (initialWeights == null) {
                initialWeights = new Stamped<>(step, Map.copyOf(weights));
            }
        }
    }

    /** The weights kept at the run's first capture, by layer id, if asked for. */
    public Optional<Stamped<Map<String, List<WeightTensor>>>> initialWeights() {
        return Optional.ofNullable(initialWeights);
    }

    /** Replaces the latest per-layer gradient norms (L2 over each layer's parameter gradients). */
    public void gradientNorms(long step, Map<String, Double> norms) {
        latestGradientNorms = new Stamped<>(step, Map.copyOf(norms));
    }

    /** The latest per-layer gradient norms, where the backend supplied gradients. */
    public Optional<Stamped<Map<String, Double>>> latestGradientNorms() {
        return Optional.ofNullable(latestGradientNorms);
    }

    /** Notes the wall-clock time (epoch milliseconds) of the run's latest value: with the start, its duration and pace. */
    public void wallClock(long epochMillis) {
        if (epochMillis > lastWallClock) {
            lastWallClock = epochMillis;
        }
    }

    /**
     * Notes that the run ended at {@code epochMillis}: its recorder was closed (training over), as
     * a reader learns from the event log's last record or {@code run.json}. Pages showing the run
     * live say "finished" from then on.
     */
    public void finish(long epochMillis) {
        finishedAt = Math.max(1, epochMillis);
    }

    /** Notes that the run goes on after all (resumed, or more records after an end): no longer finished. */
    public void reopen() {
        finishedAt = 0;
    }

    /** When the run ended (epoch milliseconds), or empty while it goes on (or a reader cannot tell). */
    public java.util.OptionalLong finishedAt() {
        return finishedAt > 0 ? java.util.OptionalLong.of(finishedAt) : java.util.OptionalLong.empty();
    }

    /** When the run logged its latest value (epoch milliseconds), if known. */
    public java.util.OptionalLong lastWallClock() {
        return lastWallClock > 0 ? java.util.OptionalLong.of(lastWallClock) : java.util.OptionalLong.empty();
    }

    /** The first filter snapshot. */
    public Optional<Stamped<WeightTensor>> firstFilters() {
        return Optional.ofNullable(firstFilters);
    }

    /** The latest filter snapshot. */
    public Optional<Stamped<WeightTensor>> latestFilters() {
        return Optional.ofNullable(latestFilters);
    }

    /** The probe inputs, if any. */
    public Optional<Tensor> probeInputs() {
        return Optional.ofNullable(probeInputs);
    }

    /** The probes' activations at the first recording. */
    public Optional<Stamped<Map<String, Tensor>>> firstProbes() {
        return Optional.ofNullable(firstProbes);
    }

    /** The probes' activations at the latest recording. */
    public Optional<Stamped<Map<String, Tensor>>> latestProbes() {
        return Optional.ofNullable(latestProbes);
    }

    /** Work the recorder dropped rather than stall training. */
    public long dropped() {
        return dropped.get();
    }

    /** Changes to series or the run's info so far: a cheap change counter for live views. */
    public long scalarVersion() {
        return scalarVersion.get();
    }

    /** Histograms recorded so far (only grows). */
    public long histogramVersion() {
        return histogramVersion.get();
    }

    /** Filter snapshots recorded so far (only grows). */
    public long filterVersion() {
        return filterVersion.get();
    }

    /** Probe recordings so far (only grows). */
    public long probeVersion() {
        return probeVersion.get();
    }
}
