package io.nnviz.backend.djl;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelView;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.spi.BackendProvider;
import io.nnviz.api.spi.FileGate;
import io.nnviz.api.spi.ModelFormat;
import io.nnviz.backend.djl.checkpoint.CheckpointFiles;
import io.nnviz.backend.djl.gguf.GgufFiles;
import io.nnviz.backend.djl.onnx.OnnxFiles;
import io.nnviz.backend.djl.safetensors.SafetensorsFiles;
import io.nnviz.backend.djl.torchscript.TorchScriptFiles;

import java.nio.file.Path;
import java.util.List;

/**
 * The DJL backend, {@code "djl"}: {@code ai.djl.Model}s and initialised {@code Block}s
 * ({@code DjlModel}), ONNX files ({@link OnnxFiles}) and TorchScript files
 * ({@link TorchScriptFiles}), the weights of PyTorch checkpoints ({@link CheckpointFiles}),
 * safetensors ({@link SafetensorsFiles}) and GGUF files ({@link GgufFiles}), and hooks ({@link DjlListener}) attached to a
 * {@code DefaultTrainingConfig} or to a {@code Trainer}. Registered in {@code META-INF/services}.
 * It hands each request to the class that does it.
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

    /** A DJL {@code Model} or {@code Block}, initialised with one input shape, as a {@code DjlModel}. */
    @Override
    public ModelView open(Object nativeModel) {
        if (nativeModel instanceof Model m) {
            return DjlModel.of(m);
        }
        if (nativeModel instanceof Block b) {
            return DjlModel.of(b);
        }
        throw new IllegalArgumentException("not a DJL model or block: " + nativeModel);
    }

    /** The formats this provider's sub-backends read. */
    private static final ModelFormat[] FORMATS = {ModelFormat.ONNX, ModelFormat.TORCHSCRIPT, ModelFormat.PYTORCH_CHECKPOINT,
            ModelFormat.PYTORCH_LEGACY, ModelFormat.SAFETENSORS, ModelFormat.GGUF};

    /** True for ONNX, TorchScript, PyTorch checkpoint (zip or legacy), safetensors and GGUF files, as the file gate tells them by content. */
    @Override
    public boolean canLoad(Path path) {
        return FileGate.recognize(path).is(FORMATS);
    }

    /**
     * Opens an ONNX file ({@link OnnxFiles}), a TorchScript file ({@link TorchScriptFiles}), a PyTorch
     * checkpoint ({@link CheckpointFiles}), a safetensors file ({@link SafetensorsFiles}) or a GGUF file ({@link GgufFiles}).
     */
    @Override
    public ModelView load(Path path) {
        return load(path, LoadOptions.defaults());
    }

    /**
     * As {@link #load(Path)}, with input shapes: by input name for ONNX; one for TorchScript. What
     * the file is comes from the file gate, asked once; anything else is TorchScript's to open or refuse.
     */
    @Override
    public ModelView load(Path path, LoadOptions options) {
        ModelFormat f = FileGate.recognize(path).format();
        if (f == ModelFormat.ONNX) {
            return OnnxFiles.open(path, options);
        }
        if (f == ModelFormat.SAFETENSORS) {
            return SafetensorsFiles.open(path, options);
        }
        if (f == ModelFormat.GGUF) {
            return GgufFiles.open(path, options);
        }
        return f == ModelFormat.PYTORCH_CHECKPOINT || f == ModelFormat.PYTORCH_LEGACY ? CheckpointFiles.open(path, options)
                : TorchScriptFiles.open(path, options);
    }

    @Override
    public boolean canAttach(Object trainingTarget) {
        return is(trainingTarget, "ai.djl.training.DefaultTrainingConfig") || is(trainingTarget, "ai.djl.training.Trainer");
    }

    /** Adds a {@link DjlListener} to the config's (or the trainer's) listener list; the attachment's {@code close()} removes it. */
    @Override
    public Attachment attach(Object trainingTarget, List<Hook> hooks) {
        DjlListener l = DjlListener.of(hooks.toArray(new Hook[0]));
        if (trainingTarget instanceof Trainer t) {
            return DjlTrainers.attach(t, l);
        }
        return l.installIn(((DefaultTrainingConfig) trainingTarget).getTrainingListeners());
    }
}
