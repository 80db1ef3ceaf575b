package io.nnviz.backend.djl.torchscript;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import io.nnviz.api.BackendException;
import io.nnviz.api.GradientPoints;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.Tensor;
import io.nnviz.backend.djl.autograd.GradientSums;
import io.nnviz.backend.djl.ndarray.NdArrays;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The gradient of one output unit of a TorchScript module with respect to its input, through
 * libtorch's autograd with the module left in eval mode and its parameters out of autograd. The output is the one the script returns,
 * after any softmax or sigmoid in its code. No layer inside the module can be cut: DJL runs it whole.
 */
final class TorchScriptGradients {
    private TorchScriptGradients() {
    }

    /**
     * The gradient of output unit {@code target} (the last axis, summed over the rest) with respect
     * to {@code input}, computed in a sub-manager of {@code manager}.
     */
    static Tensor ofInput(Block block, NDManager manager, Tensor input, int target, String model) {
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = NdArrays.array(sub, input);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray out = forwardWithAutograd(block, x);
                long units = out.getShape().get(out.getShape().dimension() - 1);
                if (target < 0 || target >= units) {
                    throw new InvalidInputException("target " + target + " is not an output unit: the output has " + units
                            + " units (0.." + (units - 1) + ")");
                }
                gc.backward(out.get("..., " + target).sum());
            }
            return NdArrays.copy(x.getGradient());
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("PyTorch could not compute the input gradient of model '" + model + "': " + e.getMessage(), e);
        }
    }

    /** The weighted sum of output unit {@code target}'s input gradients over {@code points}, in libtorch's tensors. */
    static Tensor sumOverPoints(Block block, NDManager manager, GradientPoints points, int target, String model) {
        try {
            return GradientSums.sum(manager, points, target, (batch, x) -> forwardWithAutograd(block, x));
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("PyTorch could not compute the input gradients of model '" + model + "': " + e.getMessage(), e);
        }
    }

    /**
     * Takes a module's parameters out of autograd (PyTorch's {@code requires_grad_(False)}, on the
     * module's own tensors), once, when nnviz opens it: libtorch's backward then computes the
     * input's gradient alone, not every weight's as well (a third of a backward pass's work on a
     * convolutional network, and no gradients left accumulating in the module). The module is
     * nnviz's own, opened from a file and never trained, so it is not undone.
     */
    static void inputOnly(Block block) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            p.getValue().getArray().setRequiresGradient(false);
        }
    }

    /**
     * The module's forward with autograd recording and the module left in eval mode. DJL's
     * {@code forward(..., training=false)} runs without autograd, and {@code training=true} would
     * switch the module to training mode (batch norm on batch statistics, dropout on), so this calls
     * the engine's own forward with its gradient flag directly. The PyTorch engine is the
     * application's dependency, not this module's, hence reflection.
     */
    private static NDArray forwardWithAutograd(Block block, NDArray x) {
        try {
            Class<?> symbol = Class.forName("ai.djl.pytorch.engine.PtSymbolBlock");
            Method forward = Class.forName("ai.djl.pytorch.jni.IValueUtils").getMethod("forward", symbol, NDList.class, boolean.class);
            return ((NDList) forward.invoke(null, block, new NDList(x), true)).get(0);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new BackendException(String.valueOf(e.getCause()), e);
        } catch (ReflectiveOperationException e) {
            throw new BackendException("DJL's PyTorch engine has no IValueUtils.forward(PtSymbolBlock, NDList, boolean): " + e, e);
        }
    }
}
