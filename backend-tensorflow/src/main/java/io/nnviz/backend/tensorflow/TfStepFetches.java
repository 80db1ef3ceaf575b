package io.nnviz.backend.tensorflow;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Snapshot;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What one {@link TfTraining#run} adds to the caller's runner, after the caller's own fetches and
 * in this order: the loss, the per-layer non-finite counts, the first samples of the batch and of the wanted layers' outputs, the
 * weights' gradients; and how the run's result is read back as the step's {@link Snapshot}. One
 * instance per step.
 */
final class TfStepFetches {
    private final TfModel model;
    private final CaptureRequest r;
    private final Output<?> loss;
    private final TfWeightCopies weights;
    private final Supplier<Map<String, Output<?>>> weightGradients;
    private final TfNonFinite nonFinite;
    private TfSampledFetches.Cut inputs;
    private final List<String> ids = new ArrayList<>();
    private final List<TfSampledFetches.Cut> sampled = new ArrayList<>();
    private final List<String> gradientKeys = new ArrayList<>();

    /**
     * The fetches for request {@code r}: {@code loss} (an Identity of the loss op: the caller may
     * fetch the op itself), and {@code weightGradients} (as {@link TfGradients#ofWeights} keys
     * them) asked for only when the hooks want gradients; {@code nonFinite} (null when the request
     * has no {@link CaptureRequest#nonFinite} check or no layer has a floating output) fetched right
     * after the loss.
     */
    TfStepFetches(TfModel model, CaptureRequest r, Output<?> loss, TfWeightCopies weights, Supplier<Map<String, Output<?>>> weightGradients,
                  TfNonFinite nonFinite) {
        this.model = model;
        this.r = r;
        this.loss = loss;
        this.weights = weights;
        this.weightGradients = weightGradients;
        this.nonFinite = nonFinite;
    }

    /** Adds the fetches to {@code runner}. */
    void add(Session.Runner runner) {
        runner.fetch(loss);
        if (nonFinite != null) {
            runner.fetch(nonFinite.counts());
        }
        if (r.activations() || r.outputs()) {
            int samples = Math.max(1, r.maxSamples());
            TfSampledFetches cuts = model.sampledFetches();
            inputs = cuts.of(cuts.inputEcho(), samples); // a fed tensor cannot be fetched: through an Identity
            List<Output<?>> seen = new ArrayList<>();
            String last = model.layers().get(model.layers().size() - 1).id();
            for (LayerInfo l : model.layers()) {
                boolean wanted = r.activations() && r.layers().test(l) || r.outputs() && l.id().equals(last);
                Output<?> o = model.group(l.id()).output;
                if (wanted && !l.id().equals(model.inputOp().name()) && !seen.contains(o)) {
                    seen.add(o);
                    ids.add(l.id());
                    sampled.add(cuts.of(o, samples));
                }
            }
        }
        if (r.gradients()) {
            for (Map.Entry<String, Output<?>> e : weightGradients.get().entrySet()) {
                LayerInfo l = model.layer(e.getKey().substring(0, e.getKey().indexOf('\n'))).orElse(null);
                if (l != null && r.layers().test(l)) {
                    gradientKeys.add(e.getKey());
                }
            }
        }
        if (inputs != null) {
            runner.fetch(inputs.output());
        }
        sampled.forEach(s -> runner.fetch(s.output()));
        gradientKeys.forEach(k -> runner.fetch(weightGradients.get().get(k)));
    }

    /** How many fetches {@link #add} added. */
    int count() {
        return 1 + (nonFinite != null ? 1 : 0) + (inputs != null ? 1 : 0) + sampled.size() + gradientKeys.size();
    }

    /** The per-layer non-finite counts as metrics (none when all were finite or none were asked), from index {@code k} (after the loss). */
    Map<String, Double> nonFinite(Result result, int k) {
        return nonFinite == null ? Map.of() : nonFinite.metrics(result.get(k));
    }

    /** Where the snapshot's fetches start, the loss's being at {@code k}. */
    int snapshotStart(int k) {
        return k + 1 + (nonFinite != null ? 1 : 0);
    }

    /** The loss this step's run gave, its fetches starting at index {@code k} of {@code result}. */
    double loss(Result result, int k) {
        return TfTensors.copy(result.get(k)).getFlat(0);
    }

    /** The snapshot of what the hooks asked for, read from {@code result} from index {@code k} on (after the loss). */
    Snapshot read(Result result, int k) {
        if (r.isEmpty()) {
            return Snapshot.EMPTY;
        }
        Tensor in = null, outputs = null;
        Map<String, Tensor> acts = new LinkedHashMap<>();
        String last = model.layers().get(model.layers().size() - 1).id();
        if (inputs != null) {
            in = inputs.read(result.get(k++));
            for (int i = 0; i < ids.size(); i++) {
                Tensor a = sampled.get(i).read(result.get(k++));
                String id = ids.get(i);
                if (r.outputs() && id.equals(last)) {
                    outputs = a;
                }
                if (r.activations() && r.layers().test(model.layer(id).orElseThrow())) {
                    acts.put(id, a);
                }
            }
        }
        Map<String, List<WeightTensor>> grads = new LinkedHashMap<>();
        for (String key : gradientKeys) {
            String layer = key.substring(0, key.indexOf('\n')), name = key.substring(key.indexOf('\n') + 1);
            TfWeight w = model.group(layer).weights.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
            grads.computeIfAbsent(layer, x -> new ArrayList<>())
                    .add(WeightTensor.of(layer, w.name(), w.role(), w.toCanonical().apply(TfTensors.copy(result.get(k++)))));
        }
        Map<String, List<WeightTensor>> w = r.weights() ? weights.copy(r.layers()) : Map.of();
        return new Snapshot(w, grads, acts, in, null, outputs);
    }
}
