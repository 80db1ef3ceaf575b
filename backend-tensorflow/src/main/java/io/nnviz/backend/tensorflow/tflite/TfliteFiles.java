package io.nnviz.backend.tensorflow.tflite;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import io.nnviz.api.spi.FileGate;
import io.nnviz.api.spi.ModelFormat;
import io.nnviz.api.spi.Printable;
import io.nnviz.api.spi.SafeFiles;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The one place that reads TensorFlow Lite files ({@code .tflite}: a flatbuffer with the identifier
 * {@code TFL3}), as data: the file is mapped, its tables read through flatbuffers' reader with every
 * offset and length checked first ({@link TfliteTable}), the whole graph checked
 * ({@link TfliteChecks}: constants' bytes against their shapes, buffers inside the file, operators in
 * execution order, the parameters within the memory budget) before a model is made; values are read
 * a layer at a time when asked. Public only so that the TensorFlow provider can hand files to it.
 * Stateless and thread-safe.
 */
public final class TfliteFiles {
    private TfliteFiles() {
    }

    /** True for a file the file gate ({@link FileGate}) says is a TFLite flatbuffer; never throws. */
    public static boolean canLoad(Path path) {
        return FileGate.recognize(path).is(ModelFormat.TFLITE);
    }

    /** Opens a TFLite file; {@code options} give the memory budget (input shapes do not apply: nothing runs). */
    public static ModelView open(Path path, LoadOptions options) {
        long size = SafeFiles.requireRegularFile(path);
        try (FileChannel ch = FileChannel.open(path)) {
            // the flatbuffer is the file's first 2 GiB at most (offsets are 32-bit); larger models keep buffers after it
            MappedByteBuffer bb = ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, Integer.MAX_VALUE));
            TfliteGraph graph = TfliteGraph.read(path, TfliteTable.root(path, bb, "TFL3", new TfliteTable.Budget(path, options.memoryBudget())),
                    size);
            TfliteChecks.check(path, graph, options.memoryBudget());
            return TfliteModel.of(path, size, graph);
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot read it (" + Printable.oneLine(String.valueOf(e.getMessage())) + ")", e);
        } catch (InvalidInputException e) { // the neutral model's own checks (a name longer than figures take, say)
            throw new ModelLoadException(path, Printable.oneLine(e.getMessage()), e);
        } catch (ArithmeticException e) {
            throw new ModelLoadException(path, "its tensors declare more values than can be counted (" + e.getMessage() + ")");
        }
    }
}
