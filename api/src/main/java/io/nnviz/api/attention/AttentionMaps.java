package io.nnviz.api.attention;

import io.nnviz.api.Capability;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Finds a transformer's attention probabilities by pattern and reads them for one input: the
 * softmax layers whose output is {@code [N, heads, T, T]} (queries by keys), which is where every
 * BERT-style block normalises its scaled dot products, whatever the exporter named them. Works on
 * every backend that gives those layers' activations: ONNX models (ONNX Runtime exposes the inner
 * tensors), TensorFlow graphs.
 *
 * <pre>{@code
 * Attention a = AttentionMaps.of(model, Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types), tokens);
 * Tensor head = a.head(0, 3);                                  // [T, T], rows sum to 1
 * }</pre>
 */
public final class AttentionMaps {
    private AttentionMaps() {
    }

    /** The model's attention layers: softmax layers with a 4-D output whose last two dimensions may be equal. */
    public static List<LayerInfo> layers(ModelView model) {
        List<LayerInfo> out = new ArrayList<>();
        for (LayerInfo l : model.layers()) {
            Shape s = l.outputShape();
            boolean softmax = l.frameworkType() != null && l.frameworkType().toLowerCase(Locale.ROOT).endsWith("softmax");
            if (softmax && s != null && s.rank() == 4 && (s.dim(2) < 0 || s.dim(3) < 0 || s.dim(2) == s.dim(3))) {
                out.add(l);
            }
        }
        return out;
    }

    /**
     * The attention of one input (batch 1) fed by input name; {@code tokens} label the positions
     * (null: their numbers). The model's own {@link ModelView#attentionWeights} where it gives them,
     * else the softmax layers found by pattern.
     */
    public static Attention of(ModelView model, Map<String, Tensor> inputs, List<String> tokens) {
        Map<String, Tensor> own = model.attentionWeights(inputs);
        if (!own.isEmpty()) {
            return assemble(List.copyOf(own.keySet()), own, tokens);
        }
        List<LayerInfo> layers = layers(model);
        if (layers.isEmpty()) {
            throw new UnsupportedCapabilityException(model.name(), Capability.ACTIVATIONS,
                    "it has no attention softmax (a softmax layer with a [batch, heads, T, T] output) and no attention layer of its own");
        }
        List<String> ids = layers.stream().map(LayerInfo::id).toList();
        Map<String, Tensor> acts = inputs.size() == 1 ? model.activations(inputs.values().iterator().next(), ids)
                : model.activations(inputs, ids);
        return assemble(ids, acts, tokens);
    }

    private static Attention assemble(List<String> ids, Map<String, Tensor> acts, List<String> tokens) {
        Tensor first = acts.get(ids.get(0));
        if (first.rank() != 4 || first.shape().dim(0) != 1 || first.shape().dim(2) != first.shape().dim(3)) {
            throw new InvalidInputException("attention is read for one input (batch 1); layer '" + ids.get(0) + "' gave " + first.shape());
        }
        int heads = first.shape().dim(1), t = first.shape().dim(2);
        float[] all = new float[ids.size() * heads * t * t];
        for (int i = 0; i < ids.size(); i++) {
            Tensor a = acts.get(ids.get(i));
            if (!a.shape().equals(first.shape())) {
                throw new InvalidInputException("attention layers differ in shape: '" + ids.get(0) + "' " + first.shape() + ", '" + ids.get(i)
                        + "' " + a.shape());
            }
            a.copyTo(all, i * heads * t * t);
        }
        List<String> labels = tokens;
        if (labels == null) {
            labels = new ArrayList<>();
            for (int i = 0; i < t; i++) {
                labels.add(String.valueOf(i));
            }
        } else if (labels.size() != t) {
            throw new InvalidInputException(labels.size() + " tokens given for a sequence of " + t);
        }
        return new Attention(ids, labels, Tensor.adopt(all, ids.size(), heads, t, t));
    }
}
