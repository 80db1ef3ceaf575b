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
 * @param nonFinite   check the step for NaN and infinite values at little cost (the loss, a
 *                    sum over a layer's output and over the gradient), and where the step has any,
 *                    report how many each layer's output and parameter gradients hold, as metrics
 *                    {@code nonfinite_activations/LAYER} and {@code nonfinite_gradients/LAYER}
 *                    ({@link MetricNames#NONFINITE_ACTIVATIONS}), every layer's, on that step; where
 *                    the backend can (DL4J); copies nothing, so {@link #isEmpty()} does not count it
 */
public record CaptureRequest(boolean weights, boolean gradients, boolean activations, boolean outputs,
                             boolean updates, LayerSelector layers, int maxSamples, boolean nonFinite) {

    /** Captures nothing: the answer for most steps. */
    public static final CaptureRequest NONE =
            new CaptureRequest(false, false, false, false, false, LayerSelector.none(), 0, false);
    /** Nothing but the non-finite check. */
    private static final CaptureRequest CHECK_ONLY = new CaptureRequest(false, false, false, false, false, NONE.layers(), 0, true);

    /** Validates the arguments. */
    public CaptureRequest {
        Objects.requireNonNull(layers, "layers");
        if (maxSamples < 0) {
            throw new IllegalArgumentException("maxSamples < 0: " + maxSamples);
        }
    }

    /** A request without the non-finite check. */
    public CaptureRequest(boolean weights, boolean gradients, boolean activations, boolean outputs, boolean updates,
                          LayerSelector layers, int maxSamples) {
        this(weights, gradients, activations, outputs, updates, layers, maxSamples, false);
    }

    /** True if nothing is asked to be copied (the {@link #nonFinite} check copies nothing). */
    public boolean isEmpty() {
        return !weights && !gradients && !activations && !outputs && !updates;
    }

    /** Only the {@link #nonFinite} check: what a diagnosing recorder asks on most steps. */
    public static final CaptureRequest NON_FINITE_CHECK =
            new CaptureRequest(false, false, false, false, false, LayerSelector.none(), 0, true);

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
        return new CaptureRequest(weights, true, activations, outputs, updates, layers, maxSamples, nonFinite);
    }

    /** This request with update : parameter ratios added. */
    public CaptureRequest withUpdates() {
        return new CaptureRequest(weights, gradients, activations, outputs, true, layers, maxSamples, nonFinite);
    }

    /** This request with outputs and labels added for {@code samples} samples. */
    public CaptureRequest withOutputs(int samples) {
        return new CaptureRequest(weights, gradients, activations, true, updates, layers, Math.max(maxSamples, samples), nonFinite);
    }

    /**
     * This request with activations added, of its layers and {@code selector}'s (one selector
     * serves the whole request, so it widens for the weights too: add layers without weights, such
     * as activation layers), keeping {@code samples} samples.
     */
    public CaptureRequest withActivations(LayerSelector selector, int samples) {
        return new CaptureRequest(weights, gradients, true, outputs, updates, isEmpty() ? selector : layers.or(selector),
                Math.max(maxSamples, samples), nonFinite);
    }

    /** This request with the {@link #nonFinite} check added. */
    public CaptureRequest withNonFiniteCheck() {
        if (nonFinite) {
            return this;
        }
        if (this == NONE) {
            return CHECK_ONLY; // most steps of a diagnosing recorder: asked for once a step, made once
        }
        return new CaptureRequest(weights, gradients, activations, outputs, updates, layers, maxSamples, true);
    }

    /** What both requests ask for: used when several hooks share one training loop. */
    public CaptureRequest merge(CaptureRequest other) {
        boolean check = nonFinite || other.nonFinite;
        if (other.isEmpty()) {
            return check == nonFinite ? this : withNonFiniteCheck();
        }
        if (isEmpty()) {
            return check == other.nonFinite ? other : other.withNonFiniteCheck();
        }
        LayerSelector a = layers, b = other.layers;
        return new CaptureRequest(weights || other.weights, gradients || other.gradients,
                activations || other.activations, outputs || other.outputs, updates || other.updates, a.or(b),
                Math.max(maxSamples, other.maxSamples), check);
    }
}
