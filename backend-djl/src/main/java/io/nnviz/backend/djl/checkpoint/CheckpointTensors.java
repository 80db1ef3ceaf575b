package io.nnviz.backend.djl.checkpoint;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.spi.StoredNumbers;

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

    /** The number type of each storage type (a CharStorage holds signed bytes, a BoolStorage one byte a value). */
    private static final Map<String, StoredNumbers> TYPES = Map.ofEntries(Map.entry("FloatStorage", StoredNumbers.F32),
            Map.entry("DoubleStorage", StoredNumbers.F64), Map.entry("HalfStorage", StoredNumbers.F16),
            Map.entry("BFloat16Storage", StoredNumbers.BF16), Map.entry("LongStorage", StoredNumbers.I64), Map.entry("IntStorage", StoredNumbers.I32),
            Map.entry("ShortStorage", StoredNumbers.I16), Map.entry("CharStorage", StoredNumbers.I8), Map.entry("ByteStorage", StoredNumbers.U8),
            Map.entry("BoolStorage", StoredNumbers.U8));

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
        StoredNumbers type = TYPES.get(r.storageType());
        if (type == null) {
            throw new ModelLoadException(path, "its tensor " + r.name() + " is a " + r.storageType() + ", which nnviz does not read");
        }
        try {
            ByteBuffer b = storage.order(ByteOrder.LITTLE_ENDIAN);
            int n = Math.toIntExact(r.elements()), size = type.bytes();
            float[] out = new float[n];
            if (rowMajor(r)) {
                // the common case, a whole tensor in order: one bulk copy
                type.decode(b, Math.toIntExact(Math.multiplyExact(r.offset(), size)), out, 0, n);
                return Tensor.adopt(Shape.ofLongs(r.shape()), out);
            }
            long[] index = new long[r.shape().length];
            for (int i = 0; i < n; i++) {
                long at = r.offset();
                for (int k = 0; k < index.length; k++) {
                    at += index[k] * r.strides()[k];
                }
                out[i] = type.get(b, Math.toIntExact(at * size));
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
}
