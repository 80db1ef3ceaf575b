package io.nnviz.backend.djl;

import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.Model;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.spi.BackendProvider;

import java.util.List;

/**
 * The DJL backend: {@code ai.djl.Model}s and initialised {@code Block}s, and hooks attached to a
 * {@code DefaultTrainingConfig} before the trainer is made. Work in progress (issue #5): files
 * (TorchScript, ONNX) are not read yet.
 */
public final class DjlBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "djl";
    }

    private static boolean is(Object o, String className) {
        for (Class<?> c = o == null ? null : o.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(className)) {
                return true;
            }
            for (Class<?> i : c.getInterfaces()) {
                if (i.getName().equals(className)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public boolean supports(Object nativeModel) {
        return is(nativeModel, "ai.djl.Model") || is(nativeModel, "ai.djl.nn.Block");
    }

    @Override
    public Model open(Object nativeModel) {
        Block block;
        String name;
        if (nativeModel instanceof ai.djl.Model m) {
            block = m.getBlock();
            name = m.getName();
        } else if (nativeModel instanceof Block b) {
            block = b;
            name = b.getClass().getSimpleName();
        } else {
            throw new IllegalArgumentException("not a DJL model or block: " + nativeModel);
        }
        if (block == null || !block.isInitialized() || block.getInputShapes() == null || block.getInputShapes().length != 1) {
            throw new InvalidInputException("the DJL block of '" + name + "' must be initialised with one input shape"
                    + " (trainer.initialize(shape) or block.initialize(manager, dataType, shape))");
        }
        return DjlModel.of(name, block, block.getInputShapes()[0]);
    }

    @Override
    public boolean canAttach(Object trainingTarget) {
        return is(trainingTarget, "ai.djl.training.DefaultTrainingConfig");
    }

    @Override
    public Attachment attach(Object trainingTarget, List<Hook> hooks) {
        DjlListener l = new DjlListener(hooks);
        ((DefaultTrainingConfig) trainingTarget).addTrainingListeners(l);
        return l;
    }
}
