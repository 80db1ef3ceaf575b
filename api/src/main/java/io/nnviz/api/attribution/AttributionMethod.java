package io.nnviz.api.attribution;

import io.nnviz.api.Tensor;

/**
 * An attribution method bound to a model: every one takes an input of batch 1 and an output unit,
 * so methods can be compared on the same image ({@link Faithfulness}) and swapped in a report.
 *
 * <pre>{@code
 * for (AttributionMethod m : List.of(IntegratedGradients.of(model), SmoothGrad.of(model), GradCam.plusPlus(model))) {
 *     Attribution a = m.attribute(image, predicted);
 *     Faithfulness.Curve del = Faithfulness.of(model).deletion(image, predicted, a);
 * }
 * }</pre>
 */
public interface AttributionMethod {
    /** The method's name, as figures show it. */
    String name();

    /**
     * The attribution of {@code input} (batch 1) for output unit {@code target}.
     *
     * @throws io.nnviz.api.InvalidInputException          for a batch other than 1 or a target out of range
     * @throws io.nnviz.api.UnsupportedCapabilityException where the model lacks what the method needs (gradients)
     */
    Attribution attribute(Tensor input, int target);
}
