package io.nnviz.api.spi;

import java.nio.ByteBuffer;

/**
 * The number types weight files store (each format names them its own way: safetensors' {@code F16},
 * a checkpoint's {@code HalfStorage}, TFLite's {@code FLOAT16}), decoded to float in bulk for every
 * reader of them: a run of values is copied out of its buffer at once and widened, where a read a
 * value at a time pays a mapped buffer's bounds and scope checks on each (a fifth of a TFLite
 * model's loading) and a format's type switch on each. Byte order is the buffer's. Unsigned 64-bit
 * values past 2^63 and 32-bit integers past 2^24 are rounded to float, as any float would hold them.
 * Stateless and thread-safe.
 */
public enum StoredNumbers {
    F64(8), F32(4), F16(2), BF16(2), I64(8), U64(8), I32(4), U32(4), I16(2), U16(2), I8(1), U8(1),
    /** OCP FP8 E5M2. */
    F8_E5M2(1),
    /** OCP FP8 E4M3 "FN". */
    F8_E4M3(1);

    private final int bytes;

    StoredNumbers(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes a value takes. */
    public int bytes() {
        return bytes;
    }

    /**
     * Decodes {@code n} values stored from byte {@code at} of {@code b} (in {@code b}'s byte order)
     * into {@code dst} from {@code offset}. {@code b}'s position is left as it was.
     */
    public void decode(ByteBuffer b, int at, float[] dst, int offset, int n) {
        ByteBuffer s = b.slice(at, Math.multiplyExact(n, bytes)).order(b.order());
        switch (this) {
            case F32 -> s.asFloatBuffer().get(dst, offset, n);
            case F64 -> {
                double[] v = new double[n];
                s.asDoubleBuffer().get(v);
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = (float) v[i];
                }
            }
            case F16, BF16, I16, U16 -> {
                short[] v = new short[n];
                s.asShortBuffer().get(v);
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = fromShort(v[i]);
                }
            }
            case I32, U32 -> {
                int[] v = new int[n];
                s.asIntBuffer().get(v);
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = this == I32 ? v[i] : v[i] & 0xFFFFFFFFL;
                }
            }
            case I64, U64 -> {
                long[] v = new long[n];
                s.asLongBuffer().get(v);
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = this == I64 ? v[i] : unsigned(v[i]);
                }
            }
            case I8, U8, F8_E5M2, F8_E4M3 -> {
                byte[] v = new byte[n];
                s.get(0, v);
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = fromByte(v[i]);
                }
            }
        }
    }

    /** The value stored at byte {@code at} of {@code b}: for readers that must go a value at a time (a strided view). */
    public float get(ByteBuffer b, int at) {
        return switch (this) {
            case F32 -> b.getFloat(at);
            case F64 -> (float) b.getDouble(at);
            case F16, BF16, I16, U16 -> fromShort(b.getShort(at));
            case I32 -> b.getInt(at);
            case U32 -> b.getInt(at) & 0xFFFFFFFFL;
            case I64 -> b.getLong(at);
            case U64 -> unsigned(b.getLong(at));
            case I8, U8, F8_E5M2, F8_E4M3 -> fromByte(b.get(at));
        };
    }

    private float fromShort(short v) {
        return switch (this) {
            case F16 -> LowPrecision.half(v);
            case BF16 -> LowPrecision.bfloat16(v);
            case I16 -> v;
            default -> v & 0xFFFF;
        };
    }

    private float fromByte(byte v) {
        return switch (this) {
            case I8 -> v;
            case F8_E5M2 -> LowPrecision.e5m2(v);
            case F8_E4M3 -> LowPrecision.e4m3(v);
            default -> v & 0xFF;
        };
    }

    /** An unsigned 64-bit value: past 2^63, halved and doubled back, as float keeps it anyway. */
    private static float unsigned(long v) {
        return v >= 0 ? v : (v >>> 1) * 2f;
    }
}
