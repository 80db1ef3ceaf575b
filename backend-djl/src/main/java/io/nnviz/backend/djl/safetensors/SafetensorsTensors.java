package io.nnviz.backend.djl.safetensors;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.spi.LowPrecision;

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
    static final Map<String, Integer> BYTES = Map.ofEntries(Map.entry("F64", 8), Map.entry("F32", 4), Map.entry("F16", 2),
            Map.entry("BF16", 2), Map.entry("I64", 8), Map.entry("I32", 4), Map.entry("I16", 2), Map.entry("I8", 1),
            Map.entry("U64", 8), Map.entry("U32", 4), Map.entry("U16", 2), Map.entry("U8", 1), Map.entry("BOOL", 1),
            Map.entry("F8_E5M2", 1), Map.entry("F8_E4M3", 1));

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
        int size = BYTES.get(r.dtype());
        try (FileChannel ch = FileChannel.open(path)) {
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + r.begin() + (long) from * size, (long) length * size);
            b.order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < length; i++) {
                dst[offset + i] = value(b, i * size, r.dtype());
            }
        } catch (IOException e) {
            throw new ModelLoadException(path, "its tensor " + r.name() + " cannot be read (" + e.getMessage() + ")", e);
        }
    }

    private static float value(MappedByteBuffer b, int at, String dtype) {
        return switch (dtype) {
            case "F64" -> (float) b.getDouble(at);
            case "F32" -> b.getFloat(at);
            case "F16" -> LowPrecision.half(b.getShort(at));
            case "BF16" -> LowPrecision.bfloat16(b.getShort(at));
            case "I64" -> b.getLong(at);
            case "U64" -> {
                long v = b.getLong(at);
                yield v >= 0 ? v : (v >>> 1) * 2f; // past 2^63: halved and doubled back, as float keeps it anyway
            }
            case "I32" -> b.getInt(at);
            case "U32" -> b.getInt(at) & 0xFFFFFFFFL;
            case "I16" -> b.getShort(at);
            case "U16" -> b.getShort(at) & 0xFFFF;
            case "I8" -> b.get(at);
            case "U8", "BOOL" -> b.get(at) & 0xFF;
            case "F8_E5M2" -> LowPrecision.e5m2(b.get(at));
            case "F8_E4M3" -> LowPrecision.e4m3(b.get(at));
            default -> throw new IllegalStateException(dtype);
        };
    }
}
