package io.nnviz.backend.djl.checkpoint;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.spi.LowPrecision;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A checkpoint's tensors as nnviz {@link Tensor}s: a storage's little-endian bytes in its element
 * type (float32/64/16, bfloat16, the integer types, bool) read through the view's offset, shape
 * and strides into a dense float32 copy, in PyTorch's layouts, which are nnviz's canonical ones.
 */
final class CheckpointTensors {
    /** A tensor as the pickle declares it: its storage's zip entry and element type, and the view. */
    record Ref(String name, String entry, String storageType, long offset, long[] shape, long[] strides) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** Bytes per element of each storage type, and whether its values are parameters' (floating point). */
    private static final Map<String, Integer> BYTES = Map.ofEntries(Map.entry("FloatStorage", 4), Map.entry("DoubleStorage", 8),
            Map.entry("HalfStorage", 2), Map.entry("BFloat16Storage", 2), Map.entry("LongStorage", 8), Map.entry("IntStorage", 4),
            Map.entry("ShortStorage", 2), Map.entry("CharStorage", 1), Map.entry("ByteStorage", 1), Map.entry("BoolStorage", 1));

    private CheckpointTensors() {
    }

    /** Whether the type holds floating-point values (a parameter's), not counters or indices. */
    static boolean floating(String storageType) {
        return storageType.equals("FloatStorage") || storageType.equals("DoubleStorage") || storageType.equals("HalfStorage")
                || storageType.equals("BFloat16Storage");
    }

    /** The tensor {@code r} of the checkpoint {@code path}, open as {@code z}, as float32. */
    static Tensor read(Path path, ZipFile z, Ref r) {
        try {
            ZipEntry e = z.getEntry(r.entry());
            if (e == null) {
                throw new ModelLoadException(path, "its entry " + r.entry() + " is gone");
            }
            try (InputStream in = z.getInputStream(e)) {
                return read(path, ByteBuffer.wrap(in.readAllBytes()), r);
            }
        } catch (IOException e) {
            throw new ModelLoadException(path, "its tensor " + r.name() + " cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /** The tensor {@code r} as float32, its storage's bytes in {@code storage} (from position 0). */
    static Tensor read(Path path, ByteBuffer storage, Ref r) {
        Integer size = BYTES.get(r.storageType());
        if (size == null) {
            throw new ModelLoadException(path, "its tensor " + r.name() + " is a " + r.storageType() + ", which nnviz does not read");
        }
        try {
            ByteBuffer b = storage.order(ByteOrder.LITTLE_ENDIAN);
            int n = Math.toIntExact(r.elements());
            float[] out = new float[n];
            long[] index = new long[r.shape().length];
            for (int i = 0; i < n; i++) {
                long at = r.offset();
                for (int k = 0; k < index.length; k++) {
                    at += index[k] * r.strides()[k];
                }
                out[i] = value(b, Math.toIntExact(at * size), r.storageType());
                for (int k = index.length - 1; k >= 0; k--) {
                    if (++index[k] < r.shape()[k]) {
                        break;
                    }
                    index[k] = 0;
                }
            }
            return Tensor.adopt(Shape.ofLongs(r.shape()), out);
        } catch (ArithmeticException | IndexOutOfBoundsException e) {
            throw new ModelLoadException(path, "its tensor " + r.name() + " cannot be read (" + e.getMessage() + ")", e);
        }
    }

    private static float value(ByteBuffer b, int at, String type) {
        return switch (type) {
            case "FloatStorage" -> b.getFloat(at);
            case "DoubleStorage" -> (float) b.getDouble(at);
            case "HalfStorage" -> LowPrecision.half(b.getShort(at));
            case "BFloat16Storage" -> LowPrecision.bfloat16(b.getShort(at));
            case "LongStorage" -> b.getLong(at);
            case "IntStorage" -> b.getInt(at);
            case "ShortStorage" -> b.getShort(at);
            case "CharStorage" -> b.get(at);
            case "ByteStorage", "BoolStorage" -> b.get(at) & 0xFF;
            default -> throw new IllegalStateException(type);
        };
    }

}
