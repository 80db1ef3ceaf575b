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
            if (r.storageType().equals("FloatStorage") && rowMajor(r)) {
                // the common case, a whole float32 tensor in order: one bulk copy, not a lookup per value
                b.slice(Math.toIntExact(r.offset() * 4), Math.multiplyExact(n, 4)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
                return Tensor.adopt(Shape.ofLongs(r.shape()), out);
            }
            Value value = value(r.storageType());
            long[] index = new long[r.shape().length];
            for (int i = 0; i < n; i++) {
                long at = r.offset();
                for (int k = 0; k < index.length; k++) {
                    at += index[k] * r.strides()[k];
                }
                out[i] = value.at(b, Math.toIntExact(at * size));
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

    /** Whether {@code r}'s strides are those of its shape in row-major order (dimensions of size 1 take any stride). */
    private static boolean rowMajor(Ref r) {
        long expected = 1;
        for (int k = r.shape().length - 1; k >= 0; k--) {
            if (r.shape()[k] != 1 && r.strides()[k] != expected) {
                return false;
            }
            expected *= r.shape()[k];
        }
        return true;
    }

    /** Reads one value of a storage type as a float. */
    private interface Value {
        float at(ByteBuffer b, int at);
    }

    /** How values of {@code type} are read: chosen once a tensor, not once a value. */
    private static Value value(String type) {
        return switch (type) {
            case "FloatStorage" -> ByteBuffer::getFloat;
            case "DoubleStorage" -> (b, at) -> (float) b.getDouble(at);
            case "HalfStorage" -> (b, at) -> LowPrecision.half(b.getShort(at));
            case "BFloat16Storage" -> (b, at) -> LowPrecision.bfloat16(b.getShort(at));
            case "LongStorage" -> ByteBuffer::getLong;
            case "IntStorage" -> ByteBuffer::getInt;
            case "ShortStorage" -> ByteBuffer::getShort;
            case "CharStorage" -> ByteBuffer::get;
            case "ByteStorage", "BoolStorage" -> (b, at) -> b.get(at) & 0xFF;
            default -> throw new IllegalStateException(type);
        };
    }
}
