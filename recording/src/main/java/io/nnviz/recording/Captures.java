package io.nnviz.recording;

import io.nnviz.api.Histogram;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.renderers.figures.FilterGrid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link Recorder} keeps of the network: weights and gradients as histograms, the first
 * convolution's filters, probe activations and embeddings, at the steps the recorder decides; and,
 * when training ends, the trained state its intervals skipped at the last step.
 */
final class Captures {
    private static final Logger LOG = LoggerFactory.getLogger(Recorder.class);

    /** A call on one sink. */
    interface SinkCall {
        void call(RunSink sink) throws IOException;
    }

    /** Where captures go besides the run log: the recorder's background worker and its sinks. */
    interface Out {
        /** Runs {@code task} on the background worker (or counts it dropped). */
        void offer(Runnable task);

        /** Calls every sink, counting and logging their failures as {@code what}. */
        void sinks(String what, SinkCall call);

        boolean hasSinks();
    }

    private static final int HISTOGRAMS = 0, FILTERS = 1, PROBES = 2, EMBEDDINGS = 3;
    private final RecorderBuilder.Policy policy;
    private final RunLog log;
    private final Out out;
    /** The last step each capture ran at (training thread only). */
    private final long[] captured = new long[4];

    Captures(RecorderBuilder.Policy policy, RunLog log, Out out) {
        this.policy = policy;
        this.log = log;
        this.out = out;
    }

    /** Histograms of {@code weights} (or their gradients, {@code suffix} " (gradient)") at {@code step}, on the worker. */
    void histograms(long step, Map<String, List<WeightTensor>> weights, String suffix) {
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
                    for (int i = 0; i < t.values().size(); i++) {
                        double v = t.values().getFlat(i);
                        sq += Double.isFinite(v) ? v * v : 0;
                    }
                }
                norms.put(layer, Math.sqrt(sq));
            });
            if (!suffix.isEmpty()) { // gradients: their norm per layer, for the architecture overlay
                log.gradientNorms(step, norms);
            }
        });
    }

    /** The first convolution's kernel (the one seen first), and its tiles for image sinks. */
    void filters(long step, Map<String, List<WeightTensor>> weights) {
        captured[FILTERS] = step;
        String first = log.firstFilters().map(f -> f.value().layerId()).orElse(null);
        for (List<WeightTensor> ws : weights.values()) {
            for (WeightTensor t : ws) {
                if (t.role() == WeightRole.KERNEL && t.values().rank() == 4 && (first == null || t.layerId().equals(first))) {
                    log.filters(step, t);
                    if (out.hasSinks()) {
                        out.offer(() -> {
                            var tiles = FilterGrid.of(t).build().mosaic();
                            out.sinks("image", s -> s.image("filters/" + t.layerId(), step, tiles));
                        });
                    }
                    return;
                }
            }
        }
    }

    /** The probe inputs' activations in the selected conv (maps) and recurrent (states over time) layers, now. */
    void probes(ModelView m, long step) {
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
    void embeddings(ModelView m, long step) {
        captured[EMBEDDINGS] = step;
        policy.embeddings().capture(m, step, log);
    }

    /**
     * The trained network as it ends at step {@code g}, whatever the intervals and the budget
     * skipped: what was not captured at the last step is read from the model now that training is
     * over (its weights are the trained ones; the probes run forward once), and the run notes it.
     */
    void finalState(ModelView m, long g) {
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
}
