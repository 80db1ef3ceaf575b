package io.nnviz.analysis.doctor;

import java.util.Locale;
import java.util.Objects;

/**
 * The families of activation function the unit statistics tell apart: those that output exactly
 * zero below a threshold (ReLU, ReLU6: units can die), those bounded by 0 and 1 (sigmoid, hard
 * sigmoid) and by -1 and 1 (tanh, hard tanh), where units can saturate, and the rest.
 */
public enum ActivationKind {
    /** ReLU and ReLU6: zero for every negative input. Leaky variants, ELU, GELU and the like are {@link #OTHER}. */
    RELU,
    /** Sigmoid and hard sigmoid: outputs in (0, 1). */
    SIGMOID,
    /** Tanh and hard tanh: outputs in (-1, 1). */
    TANH,
    /** Anything else (identity, softmax, leaky ReLU, ELU, GELU, swish, ...). */
    OTHER;

    /**
     * The family of an activation named as a framework names it: DL4J's {@code "relu"},
     * {@code "leakyrelu(a=0.01)"}, TensorFlow's op types {@code "Relu"}, {@code "Sigmoid"}, Keras's
     * {@code "tanh"}, ONNX's {@code "HardSigmoid"}, DJL's {@code "LambdaBlock(ReLU)"} and block ids
     * ({@code "02ReLU"}); {@link #OTHER} for what it does not know.
     */
    public static ActivationKind of(String name) {
        Objects.requireNonNull(name, "name");
        int open = name.indexOf('(');
        if (open < 0) {
            return named(name);
        }
        ActivationKind outer = named(name.substring(0, open)); // leakyrelu(a=0.01): its parameters
        int close = name.lastIndexOf(')');
        return outer != OTHER || close < open ? outer : named(name.substring(open + 1, close)); // LambdaBlock(ReLU): what it wraps
    }

    private static ActivationKind named(String name) {
        String n = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "").replaceAll("^[0-9]+", "");
        return switch (n) {
            case "relu", "relu6", "rectifiedlinear", "rectifier" -> RELU;
            case "sigmoid", "hardsigmoid", "logistic" -> SIGMOID;
            case "tanh", "hardtanh" -> TANH;
            default -> OTHER;
        };
    }
}
