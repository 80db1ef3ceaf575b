package io.nnviz.api;

/**
 * The family a layer belongs to, the same across frameworks. Renderers colour and shape nodes by
 * kind; the framework's own type name is kept in {@link LayerInfo#frameworkType()}.
 */
public enum LayerKind {
    /** A model input. */
    INPUT,
    /** Convolution of any dimension, depthwise and separable included. */
    CONV,
    /** Fully connected. */
    DENSE,
    /** Pooling, global pooling included, and upsampling. */
    POOL,
    /** Batch, layer or other normalisation. */
    NORM,
    /** A stand-alone activation function. */
    ACTIVATION,
    /** LSTM, GRU, simple RNN, bidirectional wrappers. */
    RECURRENT,
    /** Attention and transformer blocks. */
    ATTENTION,
    /** Embedding lookup. */
    EMBEDDING,
    /** Dropout and other training-only regularisers. */
    DROPOUT,
    /** Reshape, flatten, permute, preprocessors. */
    RESHAPE,
    /** Concatenation, element-wise add/multiply and other merges of several inputs. */
    MERGE,
    /** An output or loss layer. */
    OUTPUT,
    /** Anything else; the framework type name says what it is. */
    OTHER
}
