package io.nnviz.backend.djl.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.onnx.proto.OnnxMl;
import io.nnviz.api.spi.LowPrecision;
import io.nnviz.api.spi.StoredNumbers;
import io.nnviz.api.Capability;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Copies between ONNX's tensors (the file's {@code TensorProto}s, ONNX Runtime's arrays through
 * DJL) and nnviz {@link Tensor}s, and the ONNX element types they use. ONNX models of images are
 * NCHW with OIHW kernels, nnviz's canonical layouts, so a copy keeps shapes and the order of
 * values; values are float32 on the Java side.
 */
final class OnnxTensors {
    /** ONNX element types ({@code TensorProto.DataType}) that nnviz reads. */
    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6, INT64 = 7, BOOL = 9, FLOAT16 = 10, DOUBLE = 11, BFLOAT16 = 16;

    private OnnxTensors() {
    }

    /** A tensor's dimensions as the file declares them. */
    static long[] dims(OnnxMl.TensorProto t) {
        long[] d = new long[t.getDimsCount()];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.getDims(i);
        }
        return d;
    }

    /** The values of a floating-point tensor (raw data or typed fields; float16, bfloat16 and double widened or narrowed to float). */
    static float[] floats(OnnxMl.TensorProto t) {
        float[] f = new float[Math.toIntExact(count(t))];
        floats(t, 0, f, 0, f.length);
        return f;
    }

    /** The bytes of an 8-bit tensor as integers (uint8 0..255, int8 -128..127), from raw data or int32_data. */
    static int[] bytes(OnnxMl.TensorProto t) {
        boolean unsigned = t.getDataType() == UINT8;
        if (!t.getRawData().isEmpty()) {
            byte[] raw = t.getRawData().toByteArray(); // one bulk copy: a buffer read a byte at a time was most of IS-Net's inspect
            int[] v = new int[raw.length];
            if (unsigned) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = raw[i] & 0xFF;
                }
            } else {
                for (int i = 0; i < v.length; i++) {
                    v[i] = raw[i];
                }
            }
            return v;
        }
        int[] v = new int[t.getInt32DataCount()];
        for (int i = 0; i < v.length; i++) {
            int x = t.getInt32Data(i);
            v[i] = unsigned ? x & 0xFF : (byte) x;
        }
        return v;
    }

    /** How many values a tensor holds (raw data or typed fields), whatever its dims declare. */
    static long count(OnnxMl.TensorProto t) {
        int type = t.getDataType();
        if (!t.getRawData().isEmpty()) {
            int width = switch (type) {
                case DOUBLE, INT64 -> 8;
                case FLOAT16, BFLOAT16 -> 2;
                case UINT8, INT8, BOOL -> 1;
                default -> 4;
            };
            return t.getRawData().size() / width;
        }
        return switch (type) {
            case DOUBLE -> t.getDoubleDataCount();
            case INT64 -> t.getInt64DataCount();
            case FLOAT16, BFLOAT16, UINT8, INT8, BOOL, INT32 -> t.getInt32DataCount();
            default -> t.getFloatDataCount();
        };
    }

    /**
     * Values {@code [from, from + length)} of a floating-point tensor into {@code dst} from {@code offset}, read
     * from the file's bytes without decoding the rest (as {@link #floats(OnnxMl.TensorProto)} does for all).
     */
    static void floats(OnnxMl.TensorProto t, int from, float[] dst, int offset, int length) {
        // sliced: a byte string viewing part of a larger array starts its buffer at a position other than 0
        ByteBuffer raw = t.getRawData().isEmpty() ? null : t.getRawData().asReadOnlyByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN);
        if (raw != null) {
            StoredNumbers stored = switch (t.getDataType()) {
                case DOUBLE -> StoredNumbers.F64;
                case FLOAT16 -> StoredNumbers.F16;
                case BFLOAT16 -> StoredNumbers.BF16;
                default -> StoredNumbers.F32;
            };
            stored.decode(raw, Math.multiplyExact(from, stored.bytes()), dst, offset, length);
            return;
        }
        switch (t.getDataType()) {
            case DOUBLE -> {
                for (int i = 0; i < length; i++) {
                    dst[offset + i] = (float) t.getDoubleData(from + i);
                }
            }
            case FLOAT16, BFLOAT16 -> {
                boolean bf = t.getDataType() == BFLOAT16;
                for (int i = 0; i < length; i++) {
                    int bits = t.getInt32Data(from + i) & 0xFFFF;
                    dst[offset + i] = bf ? LowPrecision.bfloat16(bits) : LowPrecision.half(bits);
                }
            }
            default -> {
                for (int i = 0; i < length; i++) {
                    dst[offset + i] = t.getFloatData(from + i);
                }
            }
        }
    }

    /**
     * Values {@code [from, from + length)} of a quantized weight as floats, {@code (q - zeroPoint) * scale}, with a
     * scale and zero point per slice along the weight's axis when they hold one value per slice; without a scale, the
     * integer steps from the zero point. Only the range's bytes are copied out of the file's data: a filter grid
     * reads the first 64 filters of a kernel, and a whole 2,000-node graph's kernels were 790 MB of short-lived arrays.
     */
    static void dequantize(OnnxWeight w, int from, float[] dst, int offset, int length) {
        OnnxMl.TensorProto t = w.values();
        boolean unsigned = t.getDataType() == UINT8;
        byte[] raw = null;
        if (!t.getRawData().isEmpty()) {
            raw = new byte[length];
            t.getRawData().copyTo(raw, from, 0, length);
        }
        float[] scale = w.scale() == null ? new float[] {1f} : floats(w.scale());
        int[] zero = w.zeroPoint() == null ? new int[] {0} : bytes(w.zeroPoint());
        long[] dims = dims(t);
        int axis = w.axis() < 0 ? w.axis() + dims.length : w.axis();
        int slices = dims.length == 0 || axis < 0 || axis >= dims.length ? 1 : (int) dims[axis];
        long inner = 1;
        for (int i = axis + 1; i < dims.length; i++) {
            inner *= dims[i];
        }
        // a run of `inner` elements at a time shares its slice's scale and zero point: no division per element (a zero
        // dimension after the axis, where the data may not match the shape, goes element by element)
        long run = Math.max(1, inner);
        for (int i = 0; i < length; ) {
            long at = (long) from + i;
            int slice = slices <= 1 ? 0 : (int) ((at / run) % slices);
            float s = scale.length == 1 ? scale[0] : scale[Math.min(slice, scale.length - 1)];
            int z = zero.length == 1 ? zero[0] : zero[Math.min(slice, zero.length - 1)];
            int end = (int) Math.min(length, i + (run - at % run));
            for (; i < end; i++) {
                int q = raw != null ? (unsigned ? raw[i] & 0xFF : raw[i]) : unsigned ? t.getInt32Data(from + i) & 0xFF
                        : (byte) t.getInt32Data(from + i);
                dst[offset + i] = (q - z) * s;
            }
        }
    }

    /** The {@code n} values of an int32 or int64 tensor (raw data or typed fields), or null if it holds another number of them. */
    static long[] longs(OnnxMl.TensorProto t, int n) {
        if (!t.getRawData().isEmpty()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            int width = t.getDataType() == INT64 ? 8 : 4;
            if (b.remaining() != (long) n * width) {
                return null;
            }
            long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = width == 8 ? b.getLong() : b.getInt();
            }
            return v;
        }
        if (t.getDataType() == INT64 && t.getInt64DataCount() == n) {
            long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = t.getInt64Data(i);
            }
            return v;
        }
        if (t.getInt32DataCount() == n) {
            long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = t.getInt32Data(i);
            }
            return v;
        }
        return null;
    }

    /** An ONNX Runtime array as a tensor of its shape, float32, in fresh Java memory. */
    static Tensor copy(NDArray a) {
        return Tensor.adopt(Shape.ofLongs(a.getShape().getShape()), a.toType(DataType.FLOAT32, false).toFloatArray());
    }

    /**
     * The tensor as input {@code name} of model {@code model}, an array of the input's ONNX element
     * type {@code elem} (float, double, int32, int64 or bool) in {@code manager}.
     */
    static NDArray array(NDManager manager, String model, String name, Tensor t, int elem) {
        DataType type = switch (elem) {
            case FLOAT -> DataType.FLOAT32;
            case INT32 -> DataType.INT32;
            case INT64 -> DataType.INT64;
            case DOUBLE -> DataType.FLOAT64;
            case BOOL -> DataType.BOOLEAN;
            default -> throw new UnsupportedCapabilityException(model, Capability.ACTIVATIONS, "input '" + name + "' has ONNX element"
                    + " type " + elem + "; activations feed float, double, int32, int64 or bool inputs");
        };
        long[] dims = new long[t.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.shape().dim(i);
        }
        NDArray x = manager.create(t.toArray(), new ai.djl.ndarray.types.Shape(dims));
        if (type != DataType.FLOAT32) {
            x = x.toType(type, false);
        }
        x.setName(name);
        return x;
    }
}
