package io.nnviz.api;

import java.util.Objects;

/**
 * What Grad-CAM needs for one layer: its activation for an input, and the gradient of a target
 * output score with respect to that activation. Both have the same canonical shape
 * (for a conv layer {@code NCHW}).
 *
 * @param layerId    the layer
 * @param target     index of the output score differentiated
 * @param activation the layer's output
 * @param gradient   d(score[target]) / d(activation), summed over the batch's scores
 */
public record LayerGradient(String layerId, int target, Tensor activation, Tensor gradient) {
    /** Validates the arguments; the two tensors must have the same shape. */
    public LayerGradient {
        Objects.requireNonNull(layerId, "layerId");
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(gradient, "gradient");
        if (!activation.shape().equals(gradient.shape())) {
            throw new IllegalArgumentException("activation " + activation.shape() + " and gradient "
                    + gradient.shape() + " of layer '" + layerId + "' differ in shape");
        }
    }
}
