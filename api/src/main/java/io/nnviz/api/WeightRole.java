package io.nnviz.api;

/**
 * What a weight tensor does in its layer. Each role has one canonical layout (see {@link Tensor}).
 */
public enum WeightRole {
    /** Convolution kernel ({@code OIHW}, {@code OIW} for 1-D) or dense weight ({@code [out, in]}). */
    KERNEL,
    /** Additive bias, {@code [out]}. */
    BIAS,
    /** Input-to-hidden recurrent weights, {@code [gates * units, in]}. */
    INPUT_KERNEL,
    /** Hidden-to-hidden recurrent weights, {@code [gates * units, units]}. */
    RECURRENT_KERNEL,
    /** Normalisation scale, {@code [channels]}. */
    GAMMA,
    /** Normalisation shift, {@code [channels]}. */
    BETA,
    /** Normalisation running mean, {@code [channels]}. */
    RUNNING_MEAN,
    /** Normalisation running variance, {@code [channels]}. */
    RUNNING_VAR,
    /** Embedding table, {@code [vocabulary, dimension]}. */
    EMBEDDING,
    /** Anything else, named by the framework's own parameter name. */
    OTHER
}
