package io.nnviz.api;

import java.util.Objects;

/**
 * How a weight is stored in its file or framework: {@code float32}, {@code float16}, {@code uint8},
 * or a block format such as GGUF's {@code q4_0}. Values handed out by nnviz are always float32
 * (dequantized where the file is quantized); the stored type is what parameter totals are
 * counted by, so that a summary can give the floating-point and the quantized totals apart.
 *
 * @param name     the type's lower-case name, as the format's own documentation spells it
 * @param floating true for floating-point types of any width, false for integer and block
 *                 (quantized) types
 */
public record DType(String name, boolean floating) {
    public static final DType FLOAT64 = new DType("float64", true);
    public static final DType FLOAT32 = new DType("float32", true);
    public static final DType FLOAT16 = new DType("float16", true);
    public static final DType BFLOAT16 = new DType("bfloat16", true);
    public static final DType INT8 = new DType("int8", false);
    public static final DType UINT8 = new DType("uint8", false);

    /** Validates the arguments. */
    public DType {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a dtype needs a name");
        }
    }

    /** A floating-point type of the given name ({@code float8_e4m3fn}). */
    public static DType floating(String name) {
        return new DType(name, true);
    }

    /** An integer or block-quantized type of the given name ({@code int4}, {@code q8_0}). */
    public static DType quantized(String name) {
        return new DType(name, false);
    }

    @Override
    public String toString() {
        return name;
    }
}
