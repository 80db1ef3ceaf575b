package io.nnviz.backend.djl.gguf;

import io.nnviz.api.DType;

import java.util.Locale;

/**
 * The element types a GGUF tensor may declare ({@code ggml_type} in ggml's {@code ggml.h}, as of
 * type 42): id, elements per block and bytes per block (ggml-common.h's {@code block_*} structs),
 * which family it belongs to, and whether nnviz turns it into float32. A type ggml removed from the
 * format (Q4_2, Q4_3, the interleaved Q4_0 and IQ4_NL repacks) has no block size: a file declaring
 * one is refused, as llama.cpp refuses it.
 */
enum GgufType {
    F32(0, 1, 4, Family.FLOAT, true), F16(1, 1, 2, Family.FLOAT, true), Q4_0(2, 32, 18, Family.QUANTIZED, true),
    Q4_1(3, 32, 20, Family.QUANTIZED, true), Q4_2(4, 0, 0, Family.REMOVED, false), Q4_3(5, 0, 0, Family.REMOVED, false),
    Q5_0(6, 32, 22, Family.QUANTIZED, true), Q5_1(7, 32, 24, Family.QUANTIZED, true), Q8_0(8, 32, 34, Family.QUANTIZED, true),
    Q8_1(9, 32, 36, Family.QUANTIZED, true), Q2_K(10, 256, 84, Family.QUANTIZED, true), Q3_K(11, 256, 110, Family.QUANTIZED, true),
    Q4_K(12, 256, 144, Family.QUANTIZED, true), Q5_K(13, 256, 176, Family.QUANTIZED, true), Q6_K(14, 256, 210, Family.QUANTIZED, true),
    Q8_K(15, 256, 292, Family.QUANTIZED, true), IQ2_XXS(16, 256, 66, Family.QUANTIZED, false),
    IQ2_XS(17, 256, 74, Family.QUANTIZED, false), IQ3_XXS(18, 256, 98, Family.QUANTIZED, false),
    IQ1_S(19, 256, 50, Family.QUANTIZED, false), IQ4_NL(20, 32, 18, Family.QUANTIZED, false),
    IQ3_S(21, 256, 110, Family.QUANTIZED, false), IQ2_S(22, 256, 82, Family.QUANTIZED, false),
    IQ4_XS(23, 256, 136, Family.QUANTIZED, false), I8(24, 1, 1, Family.INTEGER, true), I16(25, 1, 2, Family.INTEGER, true),
    I32(26, 1, 4, Family.INTEGER, true), I64(27, 1, 8, Family.INTEGER, true), F64(28, 1, 8, Family.FLOAT, true),
    IQ1_M(29, 256, 56, Family.QUANTIZED, false), BF16(30, 1, 2, Family.FLOAT, true),
    Q4_0_4_4(31, 0, 0, Family.REMOVED, false), Q4_0_4_8(32, 0, 0, Family.REMOVED, false),
    Q4_0_8_8(33, 0, 0, Family.REMOVED, false), TQ1_0(34, 256, 54, Family.QUANTIZED, false),
    TQ2_0(35, 256, 66, Family.QUANTIZED, false), IQ4_NL_4_4(36, 0, 0, Family.REMOVED, false),
    IQ4_NL_4_8(37, 0, 0, Family.REMOVED, false), IQ4_NL_8_8(38, 0, 0, Family.REMOVED, false),
    MXFP4(39, 32, 17, Family.QUANTIZED, false), NVFP4(40, 64, 36, Family.QUANTIZED, false),
    Q1_0(41, 128, 18, Family.QUANTIZED, false), Q2_0(42, 64, 18, Family.QUANTIZED, false);

    /** How a type's values are counted in a model's totals. */
    enum Family { FLOAT, QUANTIZED, INTEGER, REMOVED }

    private static final GgufType[] BY_ID = new GgufType[43];

    static {
        for (GgufType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    final int id;
    /** Elements per block; 0 for a removed type. */
    final int block;
    /** Bytes per block. */
    final int bytes;
    final Family family;
    /** Whether nnviz dequantizes (or widens) it to float32. */
    final boolean decoded;

    GgufType(int id, int block, int bytes, Family family, boolean decoded) {
        this.id = id;
        this.block = block;
        this.bytes = bytes;
        this.family = family;
        this.decoded = decoded;
    }

    /**
     * How nnviz names the stored type in parameter totals: the float and integer types by the names
     * every format shares ({@code float16}, {@code int32}), the block formats by ggml's own
     * ({@code q4_0}, {@code q6_k}).
     */
    DType dtype() {
        return switch (this) {
            case F32 -> DType.FLOAT32;
            case F16 -> DType.FLOAT16;
            case BF16 -> DType.BFLOAT16;
            case F64 -> DType.FLOAT64;
            case I8 -> DType.INT8;
            case I16, I32, I64 -> DType.quantized("int" + name().substring(1));
            default -> DType.quantized(name().toLowerCase(Locale.ROOT));
        };
    }

    /** The type with this id, or null for an id ggml never defined. */
    static GgufType of(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }
}
