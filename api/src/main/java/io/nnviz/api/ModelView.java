package io.nnviz.api;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A neural network seen through nnviz: its structure, its weights, and what it computes.
 *
 * <p>Get one from a framework object with {@link io.nnviz.NNViz#inspect(Object)}, from a saved file with
 * {@link io.nnviz.NNViz#load(java.nio.file.Path)}, or describe one by hand with {@link io.nnviz.api.spi.ModelBuilder}.
 *
 * <pre>{@code
 * try (Model model = NNViz.inspect(myMultiLayerNetwork)) {
 *     for (Layer layer : model.layers()) {
 *         System.out.println(layer.name() + " " + layer.outputShape() + " " + layer.parameterCount());
 *     }
 *     Map<String, Tensor> maps = model.activations(image, List.of("conv1"));
 * }
 * }</pre>
 *
 * <h2>Contract for backend authors</h2>
 * <ul>
 *   <li>{@link #layers()} is in topological order: for every edge, {@code from} comes before
 *       {@code to}. Layer ids are unique and every edge names existing layers.</li>
 *   <li>Everything is in canonical layout (see {@link Tensor}): the backend converts.</li>
 *   <li>Tensors returned are copies the caller owns; no framework memory escapes.</li>
 *   <li>Methods a model cannot serve throw {@link UnsupportedCapabilityException} and are absent
 *       from {@link #capabilities()}. Framework errors are wrapped in {@link NnvizException}s.</li>
 *   <li>{@link #close()} frees what the backend allocated (not the user's own network) and is
 *       idempotent; use after close throws {@link ModelClosedException}.</li>
 * </ul>
 * The conformance kit ({@code io.nnviz:nnviz-testkit}) has {@code ModelContractKit}, an abstract JUnit 5 test each backend extends.
 */
public interface ModelView extends AutoCloseable {

    /** Display name. */
    String name();

    /** The framework, for example {@code "DL4J"}, {@code "TensorFlow"}, {@code "DJL/PyTorch"}, {@code "nnviz"}. */
    String framework();

    /** The layers in topological order. */
    List<LayerInfo> layers();

    /** The data-flow edges between layers. */
    List<Edge> edges();

    /** Nested blocks; empty when the framework has none. */
    List<Group> groups();

    /**
     * Facts about where and how the model runs, in display order: for example
     * {@code device=cpu}, {@code nd4j.backend=CpuBackend}, {@code format=ONNX}.
     */
    Map<String, String> properties();

    /** What this model can compute. */
    Set<Capability> capabilities();

    /** The layer with the given id. */
    default Optional<LayerInfo> layer(String id) {
        for (LayerInfo l : layers()) {
            if (l.id().equals(id)) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    /** Total number of scalar parameters over all layers. */
    default long parameterCount() {
        long n = 0;
        for (LayerInfo l : layers()) {
            n += l.parameterCount();
        }
        return n;
    }

    /**
     * Parameter totals by the type they are stored in, in the order the layers first use each
     * type: a quantized model's summary gives its float and its quantized totals apart.
     */
    default Map<DType, Long> parameterCountByDtype() {
        Map<DType, Long> totals = new LinkedHashMap<>();
        for (LayerInfo l : layers()) {
            for (WeightSpec w : l.weights()) {
                totals.merge(w.dtype(), w.size(), Long::sum);
            }
        }
        return totals;
    }

    /**
     * The current values of a layer's weights, in the order of {@link LayerInfo#weights()}, in
     * canonical layout.
     *
     * @throws InvalidInputException if no layer has that id
     * @throws UnsupportedCapabilityException if the format exposes no values
     */
    List<WeightTensor> weights(String layerId);

    /**
     * Runs {@code input} (canonical layout, batch first) through the model and returns the output
     * of each requested layer, keyed by layer id, in canonical layout.
     *
     * @throws InvalidInputException if the input shape does not fit or a layer id is unknown
     */
    Map<String, Tensor> activations(Tensor input, Collection<String> layerIds);

    /**
     * As {@link #activations(Tensor, Collection)} for a model with several inputs (a BERT-style
     * model takes {@code input_ids}, {@code attention_mask}, {@code token_type_ids}), keyed by the
     * input layers' ids or names; integer inputs such as token ids are given as their float values.
     * A model with one input takes a map of one.
     *
     * @throws InvalidInputException if an input is missing or unknown, or a shape does not fit
     */
    default Map<String, Tensor> activations(Map<String, Tensor> inputs, Collection<String> layerIds) {
        if (inputs.size() != 1) {
            throw new UnsupportedCapabilityException(name(), Capability.ACTIVATIONS,
                    "it takes one input; " + inputs.size() + " were given: " + inputs.keySet());
        }
        return activations(inputs.values().iterator().next(), layerIds);
    }

    /**
     * The output scores that {@link #inputGradient} and {@link #layerGradient} differentiate, for
     * each sample of {@code input}, in the output layer's canonical layout ({@code [N, K]} for a
     * classifier). Where the framework's output layer applies softmax or sigmoid itself (DL4J's
     * output layers), these are the values it is applied to, the logits; elsewhere the model's
     * output. Attribution methods explain exactly this score ({@code io.nnviz.api.attribution}).
     */
    default Tensor scores(Tensor input) {
        String last = layers().get(layers().size() - 1).id();
        return activations(input, List.of(last)).get(last);
    }

    /**
     * The gradient of the model's output score {@code target} (summed over the batch) with respect
     * to the input: a saliency map with the input's shape. The score is {@link #scores}' unit
     * {@code target}, summed over any other output positions.
     */
    Tensor inputGradient(Tensor input, int target);

    /**
     * The weighted sum, over the points {@code points} describes, of the input gradient of output
     * score {@code target} (or of its square): Integrated Gradients' path integral and SmoothGrad's
     * mean ({@code io.nnviz.api.attribution}). The sum has the input's shape. By default each batch
     * of points goes through {@link #inputGradient} and is added up in Java
     * ({@link GradientPoints#sumInJava}); a backend whose framework holds tensors natively builds the
     * points, runs them and adds the gradients up in its own tensors, and copies the sum out once.
     *
     * @throws UnsupportedCapabilityException without {@link Capability#INPUT_GRADIENT}
     * @throws InvalidInputException if the input does not fit, or {@code target} is not an output unit
     */
    default Tensor inputGradientSum(GradientPoints points, int target) {
        return points.sumInJava(this, target);
    }

    /**
     * A layer's activation and the gradient of output score {@code target} with respect to it,
     * which is what Grad-CAM combines.
     */
    LayerGradient layerGradient(Tensor input, String layerId, int target);

    /**
     * The attention probabilities that attention layers compute inside and do not output, for
     * one input: {@code [N, heads, queries, keys]} per attention layer, keyed by layer id (or by
     * {@code "output N"} for tensors a module returns), rows summing to 1. Backends fill it where the framework's attention layer keeps them to itself
     * (DL4J's self-attention layers) or the model returns them as outputs (TorchScript modules
     * traced with their attentions); empty where the model has none of these.
     * {@link io.nnviz.api.attention.AttentionMaps} also finds attention by pattern in graphs whose
     * softmax ops are layers of their own (ONNX, TensorFlow).
     *
     * @throws InvalidInputException if the inputs do not fit
     */
    default Map<String, Tensor> attentionWeights(Map<String, Tensor> inputs) {
        return Map.of();
    }

    /**
     * A new model that computes what this one does but with the weights of the given layers
     * randomised: each weight tensor's values shuffled, in an order drawn from {@code seed}, so
     * every tensor keeps its own distribution of values (its scale and sign balance) and loses
     * what training put where. This model is left as it is; the caller closes the copy. Used by
     * {@link io.nnviz.api.attribution.ModelRandomization}, Adebayo et al.'s sanity check: an
     * attribution that survives the randomisation explains the input, not the model.
     *
     * @throws InvalidInputException          if a layer id is unknown
     * @throws UnsupportedCapabilityException if the backend cannot copy this model
     *                                        ({@link Capability#WEIGHT_RANDOMIZATION})
     */
    default ModelView withShuffledWeights(Collection<String> layerIds, long seed) {
        throw new UnsupportedCapabilityException(name(), Capability.WEIGHT_RANDOMIZATION, "this model cannot be copied");
    }

    /** Frees what the backend allocated; idempotent. */
    @Override
    void close();
}
