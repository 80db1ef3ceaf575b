package io.nnviz.recording.run;

import io.nnviz.analysis.Curve;
import io.nnviz.api.Histogram;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one writable store of a run's values: bounded whatever the run's length (what it keeps is
 * in {@link RunLog}), safe to write from the training thread and the recorder's worker while any
 * thread reads. Written by a {@code Recorder}, by the readers of {@code run.json} and event logs,
 * or by a program writing runs of its own; handed to readers as the read-only {@link #view()}.
 * Every read returns a copy or an immutable value.
 */
public final class MutableRunLog implements RunLog {
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

    private final RunLog view = new ReadOnlyRunLog(this);

    private MutableRunLog(RunInfo info, int maxPoints) {
        this.info = Objects.requireNonNull(info, "info");
        if (maxPoints < 2) {
            throw new IllegalArgumentException("maxPoints must be at least 2, got " + maxPoints);
        }
        this.maxPoints = maxPoints;
    }

    /** An empty log for the run {@code info}, keeping at most {@code maxPoints} points a series. */
    public static MutableRunLog create(RunInfo info, int maxPoints) {
        return new MutableRunLog(info, maxPoints);
    }

    /** This log, read-only: what the recorder hands out, so that nobody else writes its run. */
    public RunLog view() {
        return view;
    }

    @Override
    public RunInfo info() {
        return info;
    }

    /** Replaces what is known of the run (its model, once a hook learns it). */
    public void info(RunInfo newInfo) {
        this.info = Objects.requireNonNull(newInfo, "info");
        scalarVersion.incrementAndGet();
    }

    @Override
    public int maxPoints() {
        return maxPoints;
    }

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
            Series s = m.get(name); // a plain lookup first: the mapping function would be made anew on every value
            if (s == null) {
                s = new Series(maxPoints);
                m.put(name, s);
            }
            return s;
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
        Stamped<Map<String, Tensor>> s = new Stamped<>(step, Collections.unmodifiableMap(new LinkedHashMap<>(activations))); // model order
        synchronized (this) {
            if (firstProbes == null) {
                firstProbes = s;
            }
            latestProbes = s;
        }
        probeVersion.incrementAndGet();
    }

    /** Records the embedding set's activations; only the latest is kept. */
    public void embedding(long step, Embedding e) {
        latestEmbedding = new Stamped<>(step, Objects.requireNonNull(e, "embedding"));
        embeddingVersion.incrementAndGet();
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

    /** Counts work the recorder dropped rather than stall training. */
    public void dropped(long n) {
        dropped.addAndGet(n);
    }

    /** Keeps the weights of the run's first capture ({@code RecorderBuilder.keepInitialWeights}); later calls do nothing. */
    public void initialWeights(long step, Map<String, List<WeightTensor>> weights) {
        synchronized (this) {
            if (initialWeights == null) {
                initialWeights = new Stamped<>(step, Map.copyOf(weights));
            }
        }
    }

    /** Replaces the latest per-layer gradient norms (L2 over each layer's parameter gradients). */
    public void gradientNorms(long step, Map<String, Double> norms) {
        latestGradientNorms = new Stamped<>(step, Map.copyOf(norms));
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

    /**
     * A series of {@code log} as kept, for a file that keeps it whole ({@code run.json}): the
     * reservoir's points in arrival order and how it thins (a log of another kind: its points, as
     * if none had been thinned). A step series unless {@code epochSeries}; empty if never recorded.
     */
    public static SeriesState seriesState(RunLog log, String name, boolean epochSeries) {
        MutableRunLog m = log instanceof MutableRunLog l ? l : log instanceof ReadOnlyRunLog v ? v.log() : null;
        if (m != null) {
            return m.series(epochSeries ? m.epochs : m.steps, name).state();
        }
        Curve p = epochSeries ? log.epochSeries(name) : log.stepSeries(name);
        return new SeriesState(p.xs(), p.ys(), 1, p.size());
    }

    /**
     * Puts back a series' reservoir from {@link #seriesState(RunLog, String, boolean)}, so that a resumed run thins exactly
     * as the uninterrupted one would.
     *
     * @throws IllegalArgumentException if the state is inconsistent (more points than the log keeps)
     */
    public void restoreSeries(String name, boolean epochSeries, SeriesState state) {
        series(epochSeries ? epochs : steps, name).restore(state);
        scalarVersion.incrementAndGet();
    }

    /** A series' reservoir: its points in arrival order, the interval new points are kept at and how many it was given. */
    public record SeriesState(double[] x, double[] y, int stride, long seen) {
    }

    @Override
    public long lastStep() {
        return lastStep;
    }

    @Override
    public int lastEpoch() {
        return lastEpoch;
    }

    @Override
    public int epochsEnded() {
        return epochsEnded;
    }

    @Override
    public List<String> stepSeriesNames() {
        synchronized (steps) {
            return List.copyOf(steps.keySet());
        }
    }

    @Override
    public Curve stepSeries(String name) {
        Series s;
        synchronized (steps) {
            s = steps.get(name);
        }
        return s == null ? Curve.empty() : s.points();
    }

    @Override
    public List<String> epochSeriesNames() {
        synchronized (epochs) {
            return List.copyOf(epochs.keySet());
        }
    }

    @Override
    public Curve epochSeries(String name) {
        Series s;
        synchronized (epochs) {
            s = epochs.get(name);
        }
        return s == null ? Curve.empty() : s.points();
    }

    @Override
    public List<String> histogramKeys() {
        synchronized (histograms) {
            return List.copyOf(histograms.keySet());
        }
    }

    @Override
    public List<Stamped<Histogram>> histograms(String key) {
        synchronized (histograms) {
            return List.copyOf(histograms.getOrDefault(key, List.of()));
        }
    }

    @Override
    public List<Stamped<Histogram>> latestHistograms(String key, int n) {
        synchronized (histograms) {
            List<Stamped<Histogram>> hs = histograms.getOrDefault(key, List.of());
            return List.copyOf(hs.subList(Math.max(0, hs.size() - n), hs.size()));
        }
    }

    @Override
    public Optional<Stamped<Map<String, List<WeightTensor>>>> initialWeights() {
        return Optional.ofNullable(initialWeights);
    }

    @Override
    public Optional<Stamped<Map<String, Double>>> latestGradientNorms() {
        return Optional.ofNullable(latestGradientNorms);
    }

    @Override
    public OptionalLong finishedAt() {
        return finishedAt > 0 ? OptionalLong.of(finishedAt) : OptionalLong.empty();
    }

    @Override
    public OptionalLong lastWallClock() {
        return lastWallClock > 0 ? OptionalLong.of(lastWallClock) : OptionalLong.empty();
    }

    @Override
    public Optional<Stamped<WeightTensor>> firstFilters() {
        return Optional.ofNullable(firstFilters);
    }

    @Override
    public Optional<Stamped<WeightTensor>> latestFilters() {
        return Optional.ofNullable(latestFilters);
    }

    @Override
    public Optional<Tensor> probeInputs() {
        return Optional.ofNullable(probeInputs);
    }

    @Override
    public Optional<Stamped<Map<String, Tensor>>> firstProbes() {
        return Optional.ofNullable(firstProbes);
    }

    @Override
    public Optional<Stamped<Map<String, Tensor>>> latestProbes() {
        return Optional.ofNullable(latestProbes);
    }

    @Override
    public Optional<Stamped<Embedding>> latestEmbedding() {
        return Optional.ofNullable(latestEmbedding);
    }

    @Override
    public long embeddingVersion() {
        return embeddingVersion.get();
    }

    @Override
    public Map<String, String> notes() {
        synchronized (notes) {
            return Collections.unmodifiableMap(new LinkedHashMap<>(notes));
        }
    }

    @Override
    public long dropped() {
        return dropped.get();
    }

    @Override
    public long scalarVersion() {
        return scalarVersion.get();
    }

    @Override
    public long histogramVersion() {
        return histogramVersion.get();
    }

    @Override
    public long filterVersion() {
        return filterVersion.get();
    }

    @Override
    public long probeVersion() {
        return probeVersion.get();
    }
}
