package io.nnviz.backend.djl;

import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.ModelView;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.spi.BackendProvider;
import io.nnviz.backend.djl.onnx.OnnxFiles;
import io.nnviz.backend.djl.torchscript.TorchScriptFiles;

import java.util.List;

/**
 * The DJL backend: {@code ai.djl.Model}s and initialised {@code Block}s, TorchScript and ONNX
 * files, and hooks ({@link DjlListener}) attached to a {@code DefaultTrainingConfig} or to a
 * {@code Trainer}.
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
    public ModelView open(Object nativeModel) {
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
    public boolean canLoad(java.nio.file.Path path) {
        try {
            if (path == null || !java.nio.file.Files.isRegularFile(path)) {
                return false;
            }
            String n = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            return n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".torchscript") || n.endsWith(".onnx");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Opens an ONNX file ({@link OnnxFiles}) or a TorchScript file ({@link TorchScriptFiles}). */
    @Override
    public ModelView load(java.nio.file.Path path) {
        return load(path, io.nnviz.api.LoadOptions.defaults());
    }

    /** As {@link #load(java.nio.file.Path)}, with input shapes: by input name for ONNX; one for TorchScript. */
    @Override
    public ModelView load(java.nio.file.Path path, io.nnviz.api.LoadOptions options) {
        return OnnxFiles.canLoad(path) ? OnnxFiles.open(path, options) : TorchScriptFiles.open(path, options);
    }

    @Override
    public boolean canAttach(Object trainingTarget) {
        return is(trainingTarget, "ai.djl.training.DefaultTrainingConfig") || is(trainingTarget, "ai.djl.training.Trainer");
    }

    /** Adds a {@link DjlListener} to the config's (or the trainer's) listener list; the attachment's {@code close()} removes it. */
    @Override
    public Attachment attach(Object trainingTarget, List<Hook> hooks) {
        DjlListener l = DjlListener.of(hooks.toArray(new Hook[0]));
        if (trainingTarget instanceof ai.djl.training.Trainer t) {
            return DjlTrainers.attach(t, l);
        }
        return l.installIn(((DefaultTrainingConfig) trainingTarget).getTrainingListeners());
    }
}
