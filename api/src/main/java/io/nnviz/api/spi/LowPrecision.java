package io.nnviz.api.spi;

/**
 * Floating-point formats narrower than float32, widened to float exactly, for every reader of
 * weights stored in them (ONNX, PyTorch checkpoints, safetensors): IEEE 754 half precision,
 * bfloat16, and the two 8-bit formats of the OCP FP8 specification (E5M2, the top byte of a half;
 * E4M3 "FN", finite, where S.1111.111 is NaN). Java 17 has no {@code Float.float16ToFloat}.
 * Stateless and thread-safe.
 */
public final class LowPrecision {
    private LowPrecision() {
    }

    /** A half-precision value from its 16 bits (the low 16 of {@code bits}). */
    public static float half(int bits) {
        int sign = (bits & 0x8000) << 16, exp = (bits >>> 10) & 0x1F, mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | mant << 13); // infinity, NaN
        }
        if (exp == 0) {
            return (sign != 0 ? -1 : 1) * mant * 0x1p-24f; // zero and subnormals
        }
        return Float.intBitsToFloat(sign | (exp + 112) << 23 | mant << 13);
    }

    /** A bfloat16 value from its 16 bits: the top half of a float32. */
    public static float bfloat16(int bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** An FP8 E5M2 value: the top byte of a half. */
    public static float e5m2(int bits) {
        return half((bits & 0xFF) << 8);
    }

    /** An FP8 E4M3 ("FN": no infinities, S.1111.111 is NaN) value. */
    public static float e4m3(int bits) {
        int v = bits & 0xFF, sign = v >>> 7, exp = (v >>> 3) & 0xF, mant = v & 0x7;
        if (exp == 0xF && mant == 0x7) {
            return Float.NaN;
        }
        float f = exp == 0 ? mant * 0x1p-9f : (1 + mant / 8f) * Math.scalb(1f, exp - 7);
        return sign != 0 ? -f : f;
    }
}
