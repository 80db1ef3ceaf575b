package io.nnviz.recording.capture;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunLog;

import java.util.List;
import java.util.Objects;

/**
 * The embedding projector's capture: a fixed, labelled set of inputs whose activations at one layer
 * are recorded on probe steps ({@code RecorderBuilder.embeddings}); the run's figures project the
 * latest ones with PCA when they are drawn, off the training thread.
 *
 * @param inputs a batch in the model's canonical input layout
 * @param labels each input's class index
 * @param layer  the layer whose activations are projected, or null for {@link #defaultLayer}
 */
public record EmbeddingCapture(Tensor inputs, int[] labels, String layer) {
    /** Validates the batch against the labels and copies the labels. */
    public EmbeddingCapture {
        Objects.requireNonNull(inputs, "inputs");
        if (inputs.rank() < 2 || labels.length != inputs.shape().dim(0)) {
            throw new IllegalArgumentException("embeddings need a batch [N, ...] and N labels, got " + inputs.shape() + " and " + labels.length);
        }
        labels = labels.clone();
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    /** Records the activations of the chosen layer for the set, at {@code step}. */
    void capture(ModelView m, long step, MutableRunLog log) {
        String id = layer != null ? layer : defaultLayer(m);
        Tensor acts = m.activations(inputs, List.of(id)).get(id);
        log.embedding(step, new RunLog.Embedding(id, acts, labels));
    }

    /**
     * The layer a classifier's representation is read at: the last dense layer before the output,
     * else the last conv layer, else the layer before the last.
     */
    static String defaultLayer(ModelView m) {
        List<LayerInfo> layers = m.layers();
        LayerInfo out = layers.get(layers.size() - 1);
        String conv = null;
        for (int i = layers.size() - 2; i >= 0; i--) {
            LayerInfo l = layers.get(i);
            if (l.kind() == LayerKind.DENSE && l != out) {
                return l.id();
            }
            if (conv == null && l.kind() == LayerKind.CONV) {
                conv = l.id();
            }
        }
        return conv != null ? conv : layers.get(Math.max(0, layers.size() - 2)).id();
    }
}
