package io.nnviz.backend.djl.gguf;

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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place that reads GGUF files (llama.cpp's and ggml's format: a header of metadata and
 * tensor infos, then the tensors, aligned). The header is read from the memory-mapped head of the
 * file and checked whole before anything else ({@link GgufHeader}); values are then read a tensor
 * at a time from the mapped file ({@link GgufTensors}). Public only so that the DJL provider can
 * hand files to it; reading needs no engine. Stateless and thread-safe.
 */
public final class GgufFiles {
    private GgufFiles() {
    }

    /** True for a file the file gate ({@link FileGate}) says is GGUF; never throws. */
    public static boolean canLoad(Path path) {
        return FileGate.recognize(path).is(ModelFormat.GGUF);
    }

    /**
     * Opens a GGUF file; {@code options} give the memory budget, which a tensor's float32 copy may
     * not pass (such a tensor is listed, not read). Input shapes do not apply: it has no input.
     */
    public static ModelView open(Path path, LoadOptions options) {
        long size = SafeFiles.requireRegularFile(path);
        GgufHeader h;
        try (FileChannel ch = FileChannel.open(path)) {
            MappedByteBuffer head = ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, Integer.MAX_VALUE));
            h = GgufHeader.read(path, head, size);
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot read it (" + Printable.oneLine(String.valueOf(e.getMessage())) + ")", e);
        }
        Map<String, String> notDecoded = new LinkedHashMap<>();
        for (GgufHeader.Ref r : h.tensors) {
            String why = GgufTensors.notDecoded(r, options.memoryBudget());
            if (why != null) {
                notDecoded.put(r.name(), why);
            }
        }
        return GgufModel.of(path, h, notDecoded);
    }
}
