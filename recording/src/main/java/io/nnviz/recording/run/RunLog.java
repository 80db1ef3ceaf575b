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
 * A training run as recorded so far, read-only: what reports, dashboards, comparisons and sinks
 * read. A {@code Recorder}'s log ({@code Recorder.log()}) goes on changing while training runs;
 * every read is safe from any thread at any time and returns a copy or an immutable value. Only
 * the {@link MutableRunLog} behind it writes.
 *
 * <p>What a run keeps, bounded whatever its length:
 * <ul>
 *   <li>step series (the loss, per-step metrics) and epoch series (per-epoch metrics), each a
 *       reservoir of at most {@link #maxPoints()} points at an even resolution that always holds
 *       the latest point;</li>
 *   <li>histograms of each weight over time, at most {@code maxPoints / 2} per weight, thinned
 *       evenly, the newest always kept;</li>
 *   <li>the first and the latest filter snapshot, the probe inputs, the probes' activations at
 *       the first and the latest recording, the latest embedding capture, the latest gradient
 *       norms and, if asked for, the weights of the first capture.</li>
 * </ul>
 * Steps are the run's global steps, epochs zero-based. Nothing returned is {@code null}: absent
 * values are empty {@link Optional}s, empty series or empty lists.
 */
public interface RunLog {
    /**
     * A layer's activations over the labelled embedding set at one step.
     *
     * @param layerId     the layer
     * @param activations {@code [N, ...]}, one row per input
     * @param labels      each input's class index
     */
    record Embedding(String layerId, Tensor activations, int[] labels) {
        /** Copies the labels. */
        public Embedding {
            labels = labels.clone();
        }

        @Override
        public int[] labels() {
            return labels.clone();
        }
    }

    /** The run: its id, name, hyperparameters, tags and model. */
    RunInfo info();

    /** Points kept per series at most. */
    int maxPoints();

    /** The latest step seen (0 before the first). */
    long lastStep();

    /** The zero-based epoch of the latest step. */
    int lastEpoch();

    /** How many epochs ended. */
    int epochsEnded();

    /** Names of the step series, in the order first recorded. */
    List<String> stepSeriesNames();

    /** A step series (x: global steps); empty if never recorded. */
    Curve stepSeries(String name);

    /** Names of the epoch series, in the order first recorded. */
    List<String> epochSeriesNames();

    /** An epoch series (x: zero-based epochs); empty if never recorded. */
    Curve epochSeries(String name);

    /** Keys of the recorded histograms ({@code "layer / weight"}), in the order first recorded. */
    List<String> histogramKeys();

    /** One weight's histograms, oldest first. */
    List<Stamped<Histogram>> histograms(String key);

    /** One weight's newest {@code n} histograms, oldest first. */
    List<Stamped<Histogram>> latestHistograms(String key, int n);

    /** The weights kept at the run's first capture, by layer id, if asked for ({@code RecorderBuilder.keepInitialWeights}). */
    Optional<Stamped<Map<String, List<WeightTensor>>>> initialWeights();

    /** The latest per-layer gradient norms (L2 over each layer's parameter gradients), where the backend supplied gradients. */
    Optional<Stamped<Map<String, Double>>> latestGradientNorms();

    /** The first filter snapshot. */
    Optional<Stamped<WeightTensor>> firstFilters();

    /** The latest filter snapshot. */
    Optional<Stamped<WeightTensor>> latestFilters();

    /** The probe inputs, if any. */
    Optional<Tensor> probeInputs();

    /** The probes' activations by layer id, in model order, at the first recording. */
    Optional<Stamped<Map<String, Tensor>>> firstProbes();

    /** The probes' activations by layer id, in model order, at the latest recording. */
    Optional<Stamped<Map<String, Tensor>>> latestProbes();

    /** The latest embedding capture, if any. */
    Optional<Stamped<Embedding>> latestEmbedding();

    /** The notes on how the run was recorded (shown with its figures), by key, in the order first set. */
    Map<String, String> notes();

    /** When the run ended (epoch milliseconds), or empty while it goes on (or a reader cannot tell). */
    OptionalLong finishedAt();

    /** When the run logged its latest value (epoch milliseconds), if known. */
    OptionalLong lastWallClock();

    /** Work the recorder dropped rather than stall training. */
    long dropped();

    /** Changes to series or the run's info so far: a cheap change counter for live views. */
    long scalarVersion();

    /** Histograms recorded so far (only grows). */
    long histogramVersion();

    /** Filter snapshots recorded so far (only grows). */
    long filterVersion();

    /** Probe recordings so far (only grows). */
    long probeVersion();

    /** Changes when a new embedding capture arrives. */
    long embeddingVersion();
}
