package io.nnviz.backend.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.nnviz.api.GradientPoints;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.Tensor;
import io.nnviz.backend.djl.autograd.GradientSums;
import io.nnviz.backend.djl.ndarray.NdArrays;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gradients of one output unit of a {@link DjlModel} (the last axis, summed over the rest) with
 * respect to its input (saliency) or to a leaf block's output (Grad-CAM), by the engine's autograd
 * on a forward pass in inference mode. A leaf is cut by {@link DjlForward}: only leaves on a
 * sequential path to the output have a layer gradient. The parameters are detached from autograd
 * for these passes ({@link DjlModel#inputOnlyStore}): no weight gradient is computed.
 */
final class DjlGradients {
    private DjlGradients() {
    }

    /** The gradient of output unit {@code target} with respect to {@code input}. */
    static Tensor ofInput(DjlModel model, Tensor input, int target) {
        try (NDManager sub = model.manager().newSubManager()) {
            NDArray x = model.input(sub, input);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = model.root().forward(model.inputOnlyStore(sub), new NDList(x), false).singletonOrThrow();
                backward(gc, out, target);
            }
            return NdArrays.copy(x.getGradient());
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("DJL could not compute the input gradient of model '" + model.name() + "': " + e.getMessage(), e);
        }
    }

    /** The weighted sum of output unit {@code target}'s input gradients over {@code points}, in the engine's arrays. */
    static Tensor sumOverPoints(DjlModel model, GradientPoints points, int target) {
        model.checkInput(points.input());
        try {
            return GradientSums.sum(model.manager(), points, target,
                    (batch, x) -> model.root().forward(model.inputOnlyStore(batch), new NDList(x), false).singletonOrThrow());
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("DJL could not compute the input gradients of model '" + model.name() + "': " + e.getMessage(), e);
        }
    }

    /** The output of {@code layer} and the gradient of output unit {@code target} with respect to it. */
    static LayerGradient ofLayer(DjlModel model, Tensor input, LayerInfo layer, int target) {
        DjlDescriber.Node n = model.nodes().get(layer.id());
        if (n == null || n.join()) {
            throw new InvalidInputException("layer '" + layer.id() + "' of model '" + model.name() + "' has no gradient here:"
                    + " only leaf blocks on a sequential path can be cut for Grad-CAM");
        }
        try (NDManager sub = model.manager().newSubManager()) {
            NDArray x = model.input(sub, input);
            Map<String, NDArray> taps = new LinkedHashMap<>();
            NDArray leaf;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = DjlForward.run(model.root(), "", new NDList(x), model.inputOnlyStore(sub), taps, false, layer.id()).singletonOrThrow();
                leaf = taps.get(layer.id() + "\n");
                backward(gc, out, target);
            }
            if (leaf == null || !leaf.hasGradient()) {
                throw new InvalidInputException("layer '" + layer.id() + "' does not lead to the output on a sequential path");
            }
            return new LayerGradient(layer.id(), target, NdArrays.copy(taps.get(layer.id())), NdArrays.copy(leaf.getGradient()));
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("DJL could not compute the gradient at layer '" + layer.id() + "': " + e.getMessage(), e);
        }
    }

    /** Back-propagates output unit {@code target} of {@code out}, summed over the batch; a unit the output lacks is refused. */
    private static void backward(GradientCollector gc, NDArray out, int target) {
        long units = out.getShape().get(out.getShape().dimension() - 1);
        if (target < 0 || target >= units) {
            throw new InvalidInputException("target " + target + " is not an output unit: the output has " + units
                    + " units (0.." + (units - 1) + ")");
        }
        gc.backward(out.get("..., " + target).sum());
    }
}
