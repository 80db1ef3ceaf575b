package io.nnviz.recording.capture;

import io.nnviz.analysis.doctor.ActivationKind;
import io.nnviz.analysis.doctor.UnitStats;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.TensorStats;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.LayerSelector;
import io.nnviz.api.hook.MetricNames;
import io.nnviz.api.hook.Snapshot;
import io.nnviz.recording.run.MutableRunLog;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a diagnosing recorder captures for the doctor's rules besides its figures, as series every
 * sink keeps (so a run read back is diagnosed as it was live): on histogram steps, each selected
 * layer's gradient RMS ({@code gradient_rms/LAYER}) and, from the activations of a few samples
 * of the batch, the fraction of dead units of ReLU layers ({@code dead_units/LAYER}) and of
 * saturated outputs of tanh and sigmoid layers ({@code saturated_units/LAYER}); on probe-interval
 * steps, the share of those samples given the most predicted class
 * ({@code predicted_class_share}); on every step until the first NaN or infinite value, the
 * backend's cheap non-finite check, whose per-layer counts arrive as the step's metrics.
 *
 * <p>The requests are made on the training thread; the statistics are computed on the recorder's
 * worker ({@link Captures.Out#offer}).
 */
final class Vitals {
    /** Batch samples whose activations and outputs are captured. */
    static final int SAMPLES = 32;

    private final MutableRunLog log;
    private final Captures.Out out;
    private final LayerSelector layers;
    private volatile boolean nonFiniteSeen;

    Vitals(MutableRunLog log, Captures.Out out, LayerSelector layers) {
        this.log = log;
        this.out = out;
        this.layers = layers;
    }

    /** {@code r} with what the doctor needs at this step added: the statistics' captures on {@code histogram} steps, outputs on {@code outputs} steps. */
    CaptureRequest request(CaptureRequest r, boolean histogram, boolean outputs) {
        CaptureRequest out = r;
        if (histogram) { // gradients of the selected layers, activations of those whose unit statistics are kept
            LayerSelector units = l -> activation(l) != ActivationKind.OTHER && (l.kind() == LayerKind.ACTIVATION || layers.test(l));
            out = new CaptureRequest(r.weights(), true, true, r.outputs(), r.updates(), r.isEmpty() ? layers.or(units) : r.layers().or(units),
                    Math.max(r.maxSamples(), SAMPLES), r.nonFinite());
        }
        if (outputs) {
            out = out.withOutputs(SAMPLES);
        }
        return nonFiniteSeen ? out : out.withNonFiniteCheck();
    }

    /** The step's metrics held non-finite counts: the check has done its work, and is not asked again. */
    void stepMetrics(Map<String, Double> metrics) {
        if (!nonFiniteSeen && MetricNames.hasNonFiniteCounts(metrics)) {
            nonFiniteSeen = true;
        }
    }

    /** The statistics of step {@code g}'s snapshot, on the worker; {@code model} may be null (then no unit statistics). */
    void record(long g, Snapshot s, ModelView model) {
        if (s.gradients().isEmpty() && s.activations().isEmpty() && s.outputs() == null) {
            return;
        }
        out.offer(() -> {
            Map<String, Double> values = new LinkedHashMap<>();
            if (model != null) { // in the model's order, input side first: the rules read depth from it (backends may give gradients output first)
                for (LayerInfo l : model.layers()) {
                    List<WeightTensor> grads = s.gradients().get(l.id());
                    if (grads != null) {
                        values.put(MetricNames.ofLayer(MetricNames.GRADIENT_RMS, l.id()), rms(grads));
                    }
                }
                for (LayerInfo l : model.layers()) {
                    Tensor a = s.activations().get(l.id());
                    if (a != null && a.rank() >= 2 && a.shape().dim(0) > 0) {
                        unitStats(l, a, values);
                    }
                }
            } else {
                s.gradients().forEach((layer, ws) -> values.put(MetricNames.ofLayer(MetricNames.GRADIENT_RMS, layer), rms(ws)));
            }
            if (s.outputs() != null && s.outputs().rank() == 2 && s.outputs().shape().dim(1) >= 2) {
                values.put(MetricNames.PREDICTED_CLASS_SHARE, topClassShare(s.outputs()));
            }
            values.forEach((name, v) -> {
                if (!Double.isNaN(v)) {
                    log.scalar(name, g, v);
                    out.sinks("scalar", sink -> sink.scalar(name, g, v));
                }
            });
        });
    }

    /** The root mean square over every value of a layer's parameter gradients (NaN and infinite values left out). */
    static double rms(List<WeightTensor> ws) {
        double sq = 0;
        long n = 0;
        for (WeightTensor w : ws) {
            TensorStats s = w.values().stats();
            sq += s.sumOfSquares();
            n += s.finite();
        }
        return n == 0 ? Double.NaN : Math.sqrt(sq / n);
    }

    private static void unitStats(LayerInfo l, Tensor a, Map<String, Double> values) {
        ActivationKind kind = activation(l);
        if (kind == ActivationKind.RELU) {
            int unitAxis = l.kind() == LayerKind.RECURRENT && a.rank() == 3 ? 2 : 1;
            values.put(MetricNames.ofLayer(MetricNames.DEAD_UNITS, l.id()), UnitStats.deadFraction(a, unitAxis));
        } else if ((kind == ActivationKind.SIGMOID || kind == ActivationKind.TANH) && l.kind() != LayerKind.RECURRENT
                && l.kind() != LayerKind.OUTPUT) {
            values.put(MetricNames.ofLayer(MetricNames.SATURATED_UNITS, l.id()), UnitStats.saturatedFraction(a, kind));
        }
    }

    /** A layer's activation function: its {@code activation} attribute, or for an activation layer its type or name. */
    static ActivationKind activation(LayerInfo l) {
        String a = l.attributes().get("activation");
        if (a != null) {
            return ActivationKind.of(a);
        }
        if (l.kind() == LayerKind.ACTIVATION) {
            ActivationKind k = ActivationKind.of(l.frameworkType());
            return k != ActivationKind.OTHER ? k : ActivationKind.of(l.name());
        }
        return ActivationKind.OTHER;
    }

    /** The share of the rows of {@code outputs} ({@code [N, K]}) whose largest value is the most frequent one's class. */
    static double topClassShare(Tensor outputs) {
        int n = outputs.shape().dim(0), k = outputs.shape().dim(1);
        int[] votes = new int[k];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) {
                if (outputs.getFlat(i * k + j) > outputs.getFlat(i * k + best)) {
                    best = j;
                }
            }
            votes[best]++;
        }
        int top = 0;
        for (int v : votes) {
            top = Math.max(top, v);
        }
        return n == 0 ? Double.NaN : (double) top / n;
    }
}
