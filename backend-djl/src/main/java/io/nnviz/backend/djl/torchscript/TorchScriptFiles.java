package io.nnviz.backend.djl.torchscript;

import ai.djl.Model;
import io.nnviz.api.spi.FileGate;
import io.nnviz.api.spi.ModelFormat;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import io.nnviz.api.spi.SafeFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The one place that reads TorchScript files: a zip archive, checked by {@code TorchScriptArchive}
 * before DJL's PyTorch engine loads it on a {@code NativeStack}, then described as a
 * {@code TorchScriptModel}. Public only so that {@code io.nnviz.backend.djl.DjlBackendProvider}
 * can hand files to it: applications open files with {@code NNViz.load}. Stateless and
 * thread-safe; the engine ({@code ai.djl.pytorch:pytorch-engine}) is the application's dependency.
 */
public final class TorchScriptFiles {
    private TorchScriptFiles() {
    }

    /** True for a file the file gate ({@link FileGate}) says is a TorchScript archive; never throws. */
    public static boolean canLoad(Path path) {
        return FileGate.recognize(path).is(ModelFormat.TORCHSCRIPT);
    }

    /**
     * Opens a TorchScript file whatever its name. {@code options} (not null:
     * {@link LoadOptions#defaults()} for none) gives the memory budget and at most one input shape
     * (batch first, -1 for free dimensions): given, the output's shape is found by running the
     * module once on zeros. The returned model owns the loaded module; close it.
     *
     * @throws IllegalArgumentException if {@code path} is null
     * @throws ModelLoadException       if the file is not a zip archive, fails a check or does not load
     */
    public static ModelView open(Path path, LoadOptions options) {
        if (path == null) {
            throw new IllegalArgumentException("path is null");
        }
        SafeFiles.requireRegularFile(path);
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(path)) {
            if (in.readNBytes(head, 0, 4) < 4 || head[0] != 'P' || head[1] != 'K') {
                throw new ModelLoadException(path, "not a TorchScript file (TorchScript files are zip archives)");
            }
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot read it: " + e.getMessage(), e);
        }
        return load(path, options.singleInputShape(String.valueOf(path.getFileName())), options.memoryBudget());
    }

    /**
     * Loads a TorchScript file, the archive first checked against {@code budget} and for nesting
     * libtorch cannot take; {@code inputShape} (batch first, -1 for free dims) may be null.
     */
    static TorchScriptModel load(Path path, long[] inputShape, long budget) {
        TorchScriptArchive.check(path, budget);
        Model zoo = Model.newInstance(String.valueOf(path.getFileName()), "PyTorch");
        try {
            // straight from the file, not through a model repository (which warns about a file that is
            // not an archive); parameters as ordinary tensors: loaded for inference only they cannot take
            // part in autograd (saliency)
            // on a stack of known size: libtorch's compiler recurses on the code's nesting (TorchScriptArchive)
            NativeStack.call("nnviz-torchscript-load", () -> {
                zoo.load(path, null, Map.of("trainParam", "true"));
                return null;
            });
        } catch (Exception | LinkageError e) {
            zoo.close();
            // libtorch's first line says what; the rest (its source excerpt, its C++ stack) stays in the cause
            throw new ModelLoadException(path, "DJL's PyTorch engine could not load it: " + String.valueOf(e.getMessage()).lines()
                    .map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse(e.getClass().getSimpleName()), e);
        }
        try {
            return TorchScriptModel.of(zoo, path, inputShape);
        } catch (ModelLoadException e) {
            zoo.close();
            throw e;
        } catch (RuntimeException e) {
            zoo.close();
            throw new ModelLoadException(path, "its module tree could not be read: " + e.getMessage(), e);
        }
    }
}
