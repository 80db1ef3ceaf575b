package io.nnviz.backend.djl.gguf;

import io.nnviz.api.spi.LowPrecision;

import java.nio.ByteBuffer;

/**
 * ggml's block-quantized types turned back into float32, block by block, as ggml-common.h lays the
 * blocks out and ggml-quants.c's {@code dequantize_row_*} reads them: the 32-value blocks Q4_0,
 * Q4_1, Q5_0, Q5_1, Q8_0 and Q8_1 (a half-precision scale, a minimum for the {@code _1} types,
 * packed 4-, 5- or 8-bit values) and the 256-value super-blocks Q2_K to Q6_K and Q8_K (sub-block
 * scales, and mins, quantized again under one or two half-precision super-scales). Values are
 * written in ggml's element order, which is PyTorch's row-major order over the reversed shape.
 */
final class GgufBlocks {
    private GgufBlocks() {
    }

    /** Dequantizes the {@code blocks} blocks of {@code type} in {@code b} (from its position 0) into {@code out}. */
    static void decode(GgufType type, ByteBuffer b, long blocks, float[] out) {
        for (int i = 0; i < blocks; i++) {
            int at = i * type.bytes, y = i * type.block;
            switch (type) {
                case Q4_0 -> q4(b, at, y, out, half(b, at), 0, 2, -8);
                case Q4_1 -> q4(b, at, y, out, half(b, at), half(b, at + 2), 4, 0);
                case Q5_0 -> q5(b, at, y, out, half(b, at), 0, 2, -16);
                case Q5_1 -> q5(b, at, y, out, half(b, at), half(b, at + 2), 4, 0);
                case Q8_0 -> q8(b, at + 2, y, out, half(b, at), 32);
                case Q8_1 -> q8(b, at + 4, y, out, half(b, at), 32);
                case Q8_K -> q8(b, at + 4, y, out, b.getFloat(at), 256);
                case Q2_K -> q2k(b, at, y, out);
                case Q3_K -> q3k(b, at, y, out);
                case Q4_K -> q45k(b, at, y, out, false);
                case Q5_K -> q45k(b, at, y, out, true);
                case Q6_K -> q6k(b, at, y, out);
                default -> throw new IllegalStateException(type + " is not decoded");
            }
        }
    }

    private static float half(ByteBuffer b, int at) {
        return LowPrecision.half(b.getShort(at));
    }

    private static int u8(ByteBuffer b, int at) {
        return b.get(at) & 0xFF;
    }

    /** 32 values of 4 bits: byte j holds value j (low nibble) and j + 16 (high); x = (q + bias) * d + m. */
    private static void q4(ByteBuffer b, int at, int y, float[] out, float d, float m, int qs, int bias) {
        for (int j = 0; j < 16; j++) {
            int q = u8(b, at + qs + j);
            out[y + j] = ((q & 0xF) + bias) * d + m;
            out[y + j + 16] = ((q >> 4) + bias) * d + m;
        }
    }

    /** As {@link #q4}, with each value's fifth bit in a 32-bit word before the nibbles (bit j: value j). */
    private static void q5(ByteBuffer b, int at, int y, float[] out, float d, float m, int qh, int bias) {
        int high = (u8(b, at + qh)) | (u8(b, at + qh + 1) << 8) | (u8(b, at + qh + 2) << 16) | (u8(b, at + qh + 3) << 24);
        for (int j = 0; j < 16; j++) {
            int q = u8(b, at + qh + 4 + j);
            int x0 = (q & 0xF) | ((high >>> j) & 1) << 4;
            int x1 = (q >> 4) | ((high >>> (j + 16)) & 1) << 4;
            out[y + j] = (x0 + bias) * d + m;
            out[y + j + 16] = (x1 + bias) * d + m;
        }
    }

    private static void q8(ByteBuffer b, int qs, int y, float[] out, float d, int n) {
        for (int j = 0; j < n; j++) {
            out[y + j] = b.get(qs + j) * d;
        }
    }

    /** Q2_K: 16 scales (4-bit scale, 4-bit min), 64 bytes of 2-bit values, then d and dmin. */
    private static void q2k(ByteBuffer b, int at, int y, float[] out) {
        float d = half(b, at + 80), min = half(b, at + 82);
        int is = 0;
        for (int n = 0; n < 2; n++) {
            int q = at + 16 + n * 32;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int half = 0; half < 2; half++) {
                    int sc = u8(b, at + is++);
                    float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                    for (int l = 0; l < 16; l++) {
                        out[y++] = dl * ((u8(b, q + half * 16 + l) >> shift) & 3) - ml;
                    }
                }
            }
        }
    }

    /** Q3_K: 32 bytes of high bits, 64 bytes of 2-bit values, 12 bytes holding 16 6-bit scales, then d. */
    private static void q3k(ByteBuffer b, int at, int y, float[] out) {
        float d = half(b, at + 108);
        int[] s = new int[16];
        for (int k = 0; k < 4; k++) {
            int lo = u8(b, at + 96 + k), mid = u8(b, at + 100 + k), hi = u8(b, at + 104 + k);
            s[k] = (lo & 0xF) | ((hi & 3) << 4);
            s[4 + k] = (mid & 0xF) | (((hi >> 2) & 3) << 4);
            s[8 + k] = (lo >> 4) | (((hi >> 4) & 3) << 4);
            s[12 + k] = (mid >> 4) | (((hi >> 6) & 3) << 4);
        }
        int is = 0, m = 1;
        for (int n = 0; n < 2; n++) {
            int q = at + 32 + n * 32;
            for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                for (int half = 0; half < 2; half++) {
                    float dl = d * (s[is++] - 32);
                    for (int l = 0; l < 16; l++) {
                        int low = (u8(b, q + half * 16 + l) >> shift) & 3;
                        boolean high = (u8(b, at + half * 16 + l) & m) != 0;
                        out[y++] = dl * (low - (high ? 0 : 4));
                    }
                }
            }
        }
    }

    /** Q4_K and Q5_K: d, dmin, 12 bytes holding 8 6-bit scales and mins, (Q5_K: 32 bytes of fifth bits), 128 bytes of nibbles. */
    private static void q45k(ByteBuffer b, int at, int y, float[] out, boolean five) {
        float d = half(b, at), min = half(b, at + 2);
        int scales = at + 4, qh = at + 16, ql = at + (five ? 48 : 16);
        int u1 = 1, u2 = 2;
        for (int j = 0; j < 4; j++, u1 <<= 2, u2 <<= 2) {
            float d1 = d * scale(b, scales, 2 * j), m1 = min * minimum(b, scales, 2 * j);
            float d2 = d * scale(b, scales, 2 * j + 1), m2 = min * minimum(b, scales, 2 * j + 1);
            for (int l = 0; l < 32; l++) {
                int q = u8(b, ql + 32 * j + l);
                int h = five ? u8(b, qh + l) : 0;
                out[y + l] = d1 * ((q & 0xF) + ((h & u1) != 0 ? 16 : 0)) - m1;
                out[y + 32 + l] = d2 * ((q >> 4) + ((h & u2) != 0 ? 16 : 0)) - m2;
            }
            y += 64;
        }
    }

    /** The 6-bit scale {@code j} of a K-quant's 12 packed bytes ({@code get_scale_min_k4}). */
    private static int scale(ByteBuffer b, int q, int j) {
        return j < 4 ? u8(b, q + j) & 63 : (u8(b, q + j + 4) & 0xF) | ((u8(b, q + j - 4) >> 6) << 4);
    }

    private static int minimum(ByteBuffer b, int q, int j) {
        return j < 4 ? u8(b, q + j + 4) & 63 : (u8(b, q + j + 4) >> 4) | ((u8(b, q + j) >> 6) << 4);
    }

    /** Q6_K: 128 bytes of low nibbles, 64 of high 2-bit pairs, 16 signed 8-bit scales, then d. */
    private static void q6k(ByteBuffer b, int at, int y, float[] out) {
        float d = half(b, at + 208);
        for (int n = 0; n < 2; n++) {
            int ql = at + n * 64, qh = at + 128 + n * 32, sc = at + 192 + n * 8;
            for (int l = 0; l < 32; l++) {
                int is = l / 16, h = u8(b, qh + l);
                int q1 = ((u8(b, ql + l) & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((u8(b, ql + l + 32) & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                int q3 = ((u8(b, ql + l) >> 4) | (((h >> 4) & 3) << 4)) - 32;
                int q4 = ((u8(b, ql + l + 32) >> 4) | (((h >> 6) & 3) << 4)) - 32;
                out[y + l] = d * b.get(sc + is) * q1;
                out[y + l + 32] = d * b.get(sc + is + 2) * q2;
                out[y + l + 64] = d * b.get(sc + is + 4) * q3;
                out[y + l + 96] = d * b.get(sc + is + 6) * q4;
            }
            y += 128;
        }
    }
}
