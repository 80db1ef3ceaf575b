package io.nnviz.api.hook;

import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a backend copied out of the framework at one step, because a hook asked for it with a
 * {@link CaptureRequest}. Everything is a copy in canonical layout: it stays valid after the
 * callback returns.
 *
 * @param weights     layer id to that layer's weights
 * @param gradients   layer id to the gradients of that layer's weights (same order and shapes)
 * @param activations layer id to that layer's output for the first samples of the batch
 * @param inputs      the first samples of the input batch, or {@code null}
 * @param labels      their labels as the framework holds them (one-hot or values), or {@code null}
 * @param outputs     the model's outputs for them, or {@code null}
 */
public record Snapshot(Map<String, List<WeightTensor>> weights, Map<String, List<WeightTensor>> gradients,
                       Map<String, Tensor> activations, Tensor inputs, Tensor labels, Tensor outputs) {

    /** The snapshot of a step where nothing was captured. */
    public static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), Map.of(), null, null, null);

    /** Copies the maps, keeping their order. */
    public Snapshot {
        weights = copy(weights);
        gradients = copy(gradients);
        activations = Collections.unmodifiableMap(new LinkedHashMap<>(activations));
    }

    private static Map<String, List<WeightTensor>> copy(Map<String, List<WeightTensor>> m) {
        Map<String, List<WeightTensor>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Collections.unmodifiableMap(out);
    }

    /** The input batch samples, if captured. */
    public Optional<Tensor> inputsIfPresent() {
        return Optional.ofNullable(inputs);
    }

    /** True if nothing was captured. */
    public boolean isEmpty() {
        return weights.isEmpty() && gradients.isEmpty() && activations.isEmpty()
                && inputs == null && labels == null && outputs == null;
    }
}
