package io.nnviz.recording.run;

import io.nnviz.analysis.Curve;
import io.nnviz.api.Histogram;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A {@link MutableRunLog} seen through {@link RunLog} only ({@link MutableRunLog#view()}): every
 * read goes to the log, and no cast reaches its writes.
 */
final class ReadOnlyRunLog implements RunLog {
    private final MutableRunLog log;

    ReadOnlyRunLog(MutableRunLog log) {
        this.log = log;
    }

    /** The log seen. */
    MutableRunLog log() {
        return log;
    }

    @Override
    public RunInfo info() {
        return log.info();
    }

    @Override
    public int maxPoints() {
        return log.maxPoints();
    }

    @Override
    public long lastStep() {
        return log.lastStep();
    }

    @Override
    public int lastEpoch() {
        return log.lastEpoch();
    }

    @Override
    public int epochsEnded() {
        return log.epochsEnded();
    }

    @Override
    public List<String> stepSeriesNames() {
        return log.stepSeriesNames();
    }

    @Override
    public Curve stepSeries(String name) {
        return log.stepSeries(name);
    }

    @Override
    public List<String> epochSeriesNames() {
        return log.epochSeriesNames();
    }

    @Override
    public Curve epochSeries(String name) {
        return log.epochSeries(name);
    }

    @Override
    public List<String> histogramKeys() {
        return log.histogramKeys();
    }

    @Override
    public List<Stamped<Histogram>> histograms(String key) {
        return log.histograms(key);
    }

    @Override
    public List<Stamped<Histogram>> latestHistograms(String key, int n) {
        return log.latestHistograms(key, n);
    }

    @Override
    public Optional<Stamped<Map<String, List<WeightTensor>>>> initialWeights() {
        return log.initialWeights();
    }

    @Override
    public Optional<Stamped<Map<String, Double>>> latestGradientNorms() {
        return log.latestGradientNorms();
    }

    @Override
    public Optional<Stamped<WeightTensor>> firstFilters() {
        return log.firstFilters();
    }

    @Override
    public Optional<Stamped<WeightTensor>> latestFilters() {
        return log.latestFilters();
    }

    @Override
    public Optional<Tensor> probeInputs() {
        return log.probeInputs();
    }

    @Override
    public Optional<Stamped<Map<String, Tensor>>> firstProbes() {
        return log.firstProbes();
    }

    @Override
    public Optional<Stamped<Map<String, Tensor>>> latestProbes() {
        return log.latestProbes();
    }

    @Override
    public Optional<Stamped<Embedding>> latestEmbedding() {
        return log.latestEmbedding();
    }

    @Override
    public Map<String, String> notes() {
        return log.notes();
    }

    @Override
    public OptionalLong finishedAt() {
        return log.finishedAt();
    }

    @Override
    public OptionalLong lastWallClock() {
        return log.lastWallClock();
    }

    @Override
    public long dropped() {
        return log.dropped();
    }

    @Override
    public long scalarVersion() {
        return log.scalarVersion();
    }

    @Override
    public long histogramVersion() {
        return log.histogramVersion();
    }

    @Override
    public long filterVersion() {
        return log.filterVersion();
    }

    @Override
    public long probeVersion() {
        return log.probeVersion();
    }

    @Override
    public long embeddingVersion() {
        return log.embeddingVersion();
    }
}
