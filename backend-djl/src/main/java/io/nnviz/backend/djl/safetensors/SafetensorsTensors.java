package io.nnviz.backend.djl.safetensors;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.spi.StoredNumbers;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;

/**
 * A safetensors file's tensors as float32 {@link Tensor}s, each read from the memory-mapped file
 * when asked and only as far as asked, so a file larger than the heap is drawn a tensor at a time. Values are little-endian
 * and row-major, in the layouts PyTorch wrote them (nnviz's canonical ones for PyTorch modules).
 */
final class SafetensorsTensors {
    /** A tensor as the header declares it: dtype, shape, and its bytes' offsets from the data's start. */
    record Ref(String name, String dtype, long[] shape, long begin, long end) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    /** Bytes per element of the dtypes the format defines. */
    /** The number type of each dtype the format names (BOOL stored as a byte). */
    static final Map<String, StoredNumbers> TYPES = Map.ofEntries(Map.entry("F64", StoredNumbers.F64), Map.entry("F32", StoredNumbers.F32),
            Map.entry("F16", StoredNumbers.F16), Map.entry("BF16", StoredNumbers.BF16), Map.entry("I64", StoredNumbers.I64),
            Map.entry("I32", StoredNumbers.I32), Map.entry("I16", StoredNumbers.I16), Map.entry("I8", StoredNumbers.I8),
            Map.entry("U64", StoredNumbers.U64), Map.entry("U32", StoredNumbers.U32), Map.entry("U16", StoredNumbers.U16),
            Map.entry("U8", StoredNumbers.U8), Map.entry("BOOL", StoredNumbers.U8), Map.entry("F8_E5M2", StoredNumbers.F8_E5M2),
            Map.entry("F8_E4M3", StoredNumbers.F8_E4M3));

    private SafetensorsTensors() {
    }

    /** Whether a dtype holds floating-point values (a parameter's). */
    static boolean floating(String dtype) {
        return dtype.startsWith("F") || dtype.equals("BF16");
    }

    /**
     * The tensor {@code r} of the file {@code path}, whose data starts at {@code dataStart}: decoded when read, and
     * only the range read ({@link Tensor#ranged}: a filter grid reads a kernel's first filters).
     */
    static Tensor read(Path path, long dataStart, Ref r) {
        try {
            Math.toIntExact(r.elements());
        } catch (ArithmeticException e) {
            throw new ModelLoadException(path, "its tensor " + r.name() + " cannot be read (" + e.getMessage() + ")", e);
        }
        return Tensor.ranged(Shape.ofLongs(r.shape()), (from, dst, offset, length) -> read(path, dataStart, r, from, dst, offset, length));
    }

    /** Values {@code [from, from + length)} of tensor {@code r}, mapped from the file and decoded into {@code dst}. */
    private static void read(Path path, long dataStart, Ref r, int from, float[] dst, int offset, int length) {
        StoredNumbers type = TYPES.get(r.dtype());
        try (FileChannel ch = FileChannel.open(path)) {
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + r.begin() + (long) from * type.bytes(),
                    (long) length * type.bytes());
            b.order(ByteOrder.LITTLE_ENDIAN);
            type.decode(b, 0, dst, offset, length);
        } catch (IOException e) {
            throw new ModelLoadException(path, "its tensor " + r.name() + " cannot be read (" + e.getMessage() + ")", e);
        }
    }
}
