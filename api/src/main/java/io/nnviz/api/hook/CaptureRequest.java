package io.nnviz.api.hook;

import java.util.Objects;

/**
 * What a hook wants the backend to copy out of the framework at one step. Backends capture
 * nothing a hook did not ask for, so most steps cost nothing.
 *
 * @param weights     copy the selected layers' weights
 * @param gradients   copy the selected layers' weight gradients
 * @param activations copy the selected layers' activations (and the input batch)
 * @param outputs     copy the model's outputs and labels for the batch (confusion matrix, fit plot)
 * @param updates     report each selected weight's update : parameter ratio, as metrics named
 *                    {@link MetricNames#updateRatio}, where the backend sees the update (DL4J)
 * @param layers      which layers the weights, gradients and activations are taken from
 * @param maxSamples  activations, inputs and outputs keep at most this many batch samples
 */
public record CaptureRequest(boolean weights, boolean gradients, boolean activations, boolean outputs,
                             boolean updates, LayerSelector layers, int maxSamples) {

    /** Captures nothing: the answer for most steps. */
    public static final CaptureRequest NONE =
            new CaptureRequest(false, false, false, false, false, LayerSelector.none(), 0);

    /** Validates the arguments. */
    public CaptureRequest {
        Objects.requireNonNull(layers, "layers");
        if (maxSamples < 0) {
            throw new IllegalArgumentException("maxSamples < 0: " + maxSamples);
        }
    }

    /** True if nothing is asked for. */
    public boolean isEmpty() {
        return !weights && !gradients && !activations && !outputs && !updates;
    }

    /** A request for the weights of the selected layers. */
    public static CaptureRequest weights(LayerSelector layers) {
        return new CaptureRequest(true, false, false, false, false, layers, 0);
    }

    /** A request for the activations of the selected layers, keeping {@code maxSamples} samples. */
    public static CaptureRequest activations(LayerSelector layers, int maxSamples) {
        return new CaptureRequest(false, false, true, false, false, layers, maxSamples);
    }

    /** This request with gradients added. */
    public CaptureRequest withGradients() {
        return new CaptureRequest(weights, true, activations, outputs, updates, layers, maxSamples);
    }

    /** This request with update : parameter ratios added. */
    public CaptureRequest withUpdates() {
        return new CaptureRequest(weights, gradients, activations, outputs, true, layers, maxSamples);
    }

    /** This request with outputs and labels added for {@code samples} samples. */
    public CaptureRequest withOutputs(int samples) {
        return new CaptureRequest(weights, gradients, activations, true, updates, layers, Math.max(maxSamples, samples));
    }

    /** What both requests ask for: used when several hooks share one training loop. */
    public CaptureRequest merge(CaptureRequest other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        LayerSelector a = layers, b = other.layers;
        return new CaptureRequest(weights || other.weights, gradients || other.gradients,
                activations || other.activations, outputs || other.outputs, updates || other.updates, a.or(b),
                Math.max(maxSamples, other.maxSamples));
    }
}
