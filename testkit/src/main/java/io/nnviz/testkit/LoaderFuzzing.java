package io.nnviz.testkit;

import io.nnviz.NNViz;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * The fuzz target every loader shares: bytes written as a file of the given name, opened with
 * {@link NNViz#load(Path, LoadOptions)} under a small memory budget, its layers, shapes and
 * weights all read, and closed. An {@link NnvizException} (the clear refusal) is the only
 * acceptable failure; anything else (a NullPointerException, an OutOfMemoryError, a crash) is a
 * finding. Used by each backend's {@code @FuzzTest}s and their real-file seed runs.
 */
public final class LoaderFuzzing {
    /** A budget far below the machine's, so budget checks are exercised and no mutant can take the fuzzer's memory. */
    public static final long BUDGET = 256L << 20;

    private LoaderFuzzing() {
    }

    /** Loads {@code data} as {@code fileName}; returns true if it opened, false if it was refused with a clear error. */
    public static boolean load(byte[] data, String fileName) {
        try {
            Path dir = Files.createTempDirectory("nnviz-fuzz-");
            try {
                Path p = dir.resolve(fileName);
                if (p.getParent() != null) {
                    Files.createDirectories(p.getParent());
                }
                Files.write(p, data);
                return load(fileName.contains("/") ? dir.resolve(fileName.substring(0, fileName.indexOf('/'))) : p);
            } finally {
                try (var s = Files.walk(dir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads the file or folder {@code p}; as {@link #load(byte[], String)}. */
    public static boolean load(Path p) {
        try (ModelView m = NNViz.load(p, LoadOptions.defaults().memoryBudget(BUDGET))) {
            for (var l : m.layers()) {
                l.outputShape();
                m.weights(l.id()).forEach(w -> w.values().size());
            }
            return true;
        } catch (NnvizException refused) {
            if (refused.getMessage() == null || refused.getMessage().isBlank()) {
                throw new AssertionError("a refusal without a message", refused);
            }
            return false;
        }
    }
}
