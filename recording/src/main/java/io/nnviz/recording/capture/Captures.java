package io.nnviz.recording.capture;

import io.nnviz.api.Histogram;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Snapshot;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.sink.RunSink;
import io.nnviz.renderers.canvas.RasterImage;
import io.nnviz.renderers.figures.FilterGrid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A recorder's capture policy at work: which steps capture what (the configured intervals,
 * stretched by the {@link CaptureBudget} while captures cost more than their share of training
 * time), and what is kept of the network then: weights and gradients as histograms, the first
 * convolution's filters, probe activations and embeddings; and, when training ends, the trained
 * state its intervals skipped at the last step. Steps are the run's global steps.
 *
 * <p>Threading: the step methods ({@link #request}, {@link #stepEnded}, {@link #finalState}) are
 * called from the training thread, one at a time as hook dispatchers call hooks; histograms and
 * images are computed on the recorder's worker ({@link Out#offer}).
 */
public final class Captures {
    /** The recorder's logger: what goes wrong here is the recorder's to say. */
    private static final Logger LOG = LoggerFactory.getLogger("io.nnviz.recording.Recorder");

    /** A call on one sink. */
    public interface SinkCall {
        /** Calls {@code sink}. */
        void call(RunSink sink) throws IOException;
    }

    /** Where captures go besides the run log: the recorder's background worker and its sinks. */
    public interface Out {
        /** Runs {@code task} on the background worker, true; or counts it dropped (the queue full or closed), false. */
        boolean offer(Runnable task);

        /** Calls every sink, counting and logging their failures as {@code what}. */
        void sinks(String what, SinkCall call);

        /** Whether there is any sink (images are drawn only for them). */
        boolean hasSinks();

        /** The CPU time the background worker has used so far, in nanoseconds, or -1 where it is not known. */
        long workerCpuNanos();
    }

    private static final int HISTOGRAMS = 0, FILTERS = 1, PROBES = 2, EMBEDDINGS = 3;
    private final CapturePolicy policy;
    private final MutableRunLog log;
    private final Out out;
    private final CaptureBudget budget;
    private final Vitals vitals;
    /** The share of steps the configured intervals capture at. */
    private final double sampledShare;
    /** The last step each capture ran at (training thread only). */
    private final long[] captured = new long[4];
    /** The step whose weights were last requested from the backend; the stretch last noted on the run. */
    private long requestedStep = -1;
    private int noted = 1;

    /** Captures of {@code policy} into {@code log}, sending what sinks take to {@code out}; notes the probe inputs on the log. */
    public Captures(CapturePolicy policy, MutableRunLog log, Out out) {
        this.policy = policy;
        this.log = log;
        this.out = out;
        this.budget = new CaptureBudget(policy.budget(), out::workerCpuNanos, Runtime.getRuntime().availableProcessors());
        this.sampledShare = policy.sampledShare(policy.diagnose());
        this.vitals = policy.diagnose() ? new Vitals(log, out, policy.layers()) : null;
        if (policy.probes() != null) {
            log.probeInputs(policy.probes());
        }
    }

    // ---- when ----------------------------------------------------------------------------------

    /** A new attachment: the budget does not take the time until its first step for a step's. */
    public synchronized void attached() {
        budget.restart();
    }

    /** Whether global step {@code g} captures histograms (and the doctor's statistics) at the intervals as stretched now. */
    public boolean histogramStep(long g) {
        return stretchedEvery(g, policy.histogramsEvery()) || g == 1;
    }

    private boolean filterStep(long g) {
        return stretchedEvery(g, policy.filtersEvery()) || g == 1;
    }

    private boolean probeStep(long g) {
        return policy.probes() != null && (stretchedEvery(g, policy.probesEvery()) || g == 1);
    }

    private boolean embeddingStep(long g) {
        return policy.embeddings() != null && (stretchedEvery(g, policy.probesEvery()) || g == 1);
    }

    /**
     * Steps whose outputs the doctor's collapse rule reads: the probes' interval, whether there are
     * probes or not, stretched with the other captures (the batch's first samples copied out of the
     * framework: 2-4 ms on DJL's PyTorch engine every hundred steps, too much to leave outside the budget).
     */
    private boolean outputStep(long g) {
        return stretchedEvery(g, policy.probesEvery());
    }

    /** Whether step {@code g} falls on a configured interval of {@code every} steps as the budget stretches it now. */
    private boolean stretchedEvery(long g, int every) {
        return g % ((long) every * budget.stretch()) == 0;
    }

    /**
     * What to ask the backend for at global step {@code g}: the selected layers' weights on
     * histogram and filter steps, else nothing; and, for a diagnosing policy, what the doctor
     * reads ({@link Vitals}).
     */
    public CaptureRequest request(long g) {
        boolean hist = histogramStep(g);
        boolean first = policy.initialWeights() && log.initialWeights().isEmpty();
        boolean outputs = vitals != null && outputStep(g);
        if (!hist && !filterStep(g) && !first && !outputs) {
            return vitals == null ? CaptureRequest.NONE : vitals.request(CaptureRequest.NONE, false, false);
        }
        synchronized (this) {
            requestedStep = g;
        }
        CaptureRequest r = hist || filterStep(g) || first ? CaptureRequest.weights(policy.layers()) : CaptureRequest.NONE;
        if (hist && policy.gradients()) {
            r = r.withGradients();
        }
        r = hist && policy.updateRatios() ? r.withUpdates() : r;
        return vitals == null ? r : vitals.request(r, hist, outputs);
    }

    /** A step's metrics, for the non-finite check: once a step reported counts, it is not asked again. */
    public void stepMetrics(Map<String, Double> metrics) {
        if (vitals != null) {
            vitals.stepMetrics(metrics);
        }
    }

    /**
     * Global step {@code g} ended, with {@code snapshot} (what {@link #request} asked for) and
     * {@code model} (null if unknown): the captures due at it, and the step's time for the budget;
     * the recorder's callback for the step began at {@code callbackStart} (nanoTime), after nnviz had
     * spent {@code nnvizNanos} on the step ({@code TrainingEvent.nnvizNanos}: the backend's loss and
     * copies; 0 if unknown).
     */
    public void stepEnded(long g, ModelView model, Snapshot snapshot, long callbackStart, long nnvizNanos) {
        boolean probes = probeStep(g) && model != null;
        if (probes) {
            probes(model, g);
        }
        boolean embeds = embeddingStep(g) && model != null;
        if (embeds) {
            embeddings(model, g);
        }
        probes |= embeds;
        if (histogramStep(g) && !snapshot.weights().isEmpty()) {
            if (policy.gradients()) {
                histograms(g, snapshot.gradients(), " (gradient)");
            }
            histograms(g, snapshot.weights(), "");
        }
        if (vitals != null) {
            vitals.record(g, snapshot, model);
        }
        if (filterStep(g) && !snapshot.weights().isEmpty()) {
            filters(g, snapshot.weights());
        }
        if (policy.initialWeights() && !snapshot.weights().isEmpty()) {
            log.initialWeights(g, snapshot.weights()); // kept once: the first
        }
        budgeted(g, probes, callbackStart, nnvizNanos);
    }

    /** Tells the budget how long this step took, from the end of the last one's callback, and notes a change of pace. */
    private synchronized void budgeted(long g, boolean probes, long callbackStart, long nnvizNanos) {
        long now = System.nanoTime();
        // nnviz's time before the callback as its dispatcher measured it: the backend's loss and copies, the requests
        budget.stepEnded(now, probes || requestedStep == g, sampledShare, now - callbackStart + nnvizNanos);
        int s = budget.stretch();
        if (s != noted) {
            noted = s;
            log.note("sampling", paceNote(g, s));
        }
    }

    /** What the run's notes say of a change of pace at step {@code g} to stretch {@code s}, with what the budget measured. */
    private String paceNote(long g, int s) {
        double worker = budget.workerShare();
        return String.format(Locale.ROOT, "From step %d, histograms every %d steps, filters every %d%s (the configured intervals x %d),"
                        + " to keep the recording within %.1f%% of the training time: its captures measured %.2f%% at the configured"
                        + " intervals, nnviz's work on every step (the loss read, the recorder's) %.2f%%%s.", g, policy.histogramsEvery() * s,
                policy.filtersEvery() * s, policy.probes() == null ? "" : ", probes every " + policy.probesEvery() * s, s,
                budget.budget() * 100, budget.share(sampledShare) * s * 100, budget.ownShare() * 100, Double.isNaN(worker) ? ""
                        : String.format(Locale.ROOT, ", its background worker %.2f%% of the machine's CPU at the configured intervals",
                                worker * s * 100));
    }

    /** The factor the budget stretches the configured capture intervals by now (1: as configured). */
    public int stretch() {
        return budget.stretch();
    }

    // ---- what ----------------------------------------------------------------------------------

    /** Histograms of {@code weights} (or their gradients, {@code suffix} " (gradient)") at {@code step}, on the worker. */
    private void histograms(long step, Map<String, List<WeightTensor>> weights, String suffix) {
        if (weights.isEmpty()) {
            return;
        }
        if (suffix.isEmpty()) {
            captured[HISTOGRAMS] = step;
        }
        out.offer(() -> {
            Map<String, Double> norms = new LinkedHashMap<>();
            weights.forEach((layer, ws) -> {
                double sq = 0;
                for (WeightTensor t : ws) {
                    String key = layer + " / " + t.name() + suffix;
                    Histogram h = Histogram.of(t.values(), policy.bins());
                    log.histogram(key, step, h);
                    out.sinks("histogram", s -> s.histogram(key, step, h));
                    sq += t.values().stats().sumOfSquares(); // the statistics the histogram computed
                }
                norms.put(layer, Math.sqrt(sq));
            });
            if (!suffix.isEmpty()) { // gradients: their norm per layer, for the architecture overlay
                log.gradientNorms(step, norms);
            }
        });
    }

    /** The first convolution's kernel (the one seen first), and its tiles for image sinks. */
    private void filters(long step, Map<String, List<WeightTensor>> weights) {
        captured[FILTERS] = step;
        String first = log.firstFilters().map(f -> f.value().layerId()).orElse(null);
        for (List<WeightTensor> ws : weights.values()) {
            for (WeightTensor t : ws) {
                if (t.role() == WeightRole.KERNEL && t.values().rank() == 4 && (first == null || t.layerId().equals(first))) {
                    log.filters(step, t);
                    if (out.hasSinks()) {
                        out.offer(() -> {
                            RasterImage tiles = FilterGrid.of(t).build().mosaic();
                            out.sinks("image", s -> s.image("filters/" + t.layerId(), step, tiles));
                        });
                    }
                    return;
                }
            }
        }
    }

    /** The probe inputs' activations in the selected conv (maps) and recurrent (states over time) layers, now. */
    private void probes(ModelView m, long step) {
        captured[PROBES] = step;
        List<String> ids = new ArrayList<>();
        for (LayerInfo l : m.layers()) {
            if ((l.kind() == LayerKind.CONV || l.kind() == LayerKind.RECURRENT) && policy.layers().test(l)) {
                ids.add(l.id());
            }
        }
        if (!ids.isEmpty()) {
            Map<String, Tensor> acts = m.activations(policy.probes(), ids); // copies: the tensors are ours
            log.probes(step, acts);
        }
    }

    /** The embedding set's representation, now. */
    private void embeddings(ModelView m, long step) {
        captured[EMBEDDINGS] = step;
        policy.embeddings().capture(m, step, log);
    }

    /**
     * The trained network as it ends at step {@code g}, whatever the intervals and the budget
     * skipped: what was not captured at the last step is read from the model now that training is
     * over (its weights are the trained ones; the probes run forward once), and the run notes it.
     */
    public void finalState(ModelView m, long g) {
        if (m == null || g <= 0) {
            return;
        }
        try {
            List<String> missed = new ArrayList<>();
            if (captured[HISTOGRAMS] < g || captured[FILTERS] < g) {
                Map<String, List<WeightTensor>> w = new LinkedHashMap<>();
                for (LayerInfo l : m.layers()) {
                    if (!l.weights().isEmpty() && policy.layers().test(l)) {
                        w.put(l.id(), m.weights(l.id()));
                    }
                }
                if (captured[HISTOGRAMS] < g) {
                    histograms(g, w, "");
                    missed.add("histograms");
                }
                if (captured[FILTERS] < g) {
                    filters(g, w);
                    missed.add("filters");
                }
            }
            if (policy.probes() != null && captured[PROBES] < g) {
                probes(m, g);
                missed.add("probes");
            }
            if (policy.embeddings() != null && captured[EMBEDDINGS] < g) {
                embeddings(m, g);
                missed.add("embeddings");
            }
            Arrays.fill(captured, g);
            if (!missed.isEmpty()) {
                log.note("final state", "The final state at step " + g + " (" + String.join(", ", missed)
                        + ") was captured when training ended, after the last interval.");
            }
        } catch (RuntimeException | LinkageError ex) {
            LOG.warn("nnviz: could not capture the final state at step {}; the run keeps what it has", g, ex);
        }
    }

    /**
     * The embedding set's representation as trained, for a report drawn now: captured on the
     * caller's thread if training went on after the latest capture (a model that fails is logged,
     * and the report has the latest capture).
     */
    public void embeddingAsTrained(ModelView m) {
        if (policy.embeddings() != null && m != null && log.latestEmbedding().map(s -> s.step() < log.lastStep()).orElse(true)) {
            try {
                policy.embeddings().capture(m, log.lastStep(), log);
            } catch (RuntimeException ex) {
                LOG.warn("nnviz recorder: the embedding set could not be run through the model: {}", ex.getMessage());
            }
        }
    }
}
