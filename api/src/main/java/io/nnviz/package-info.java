/**
 * nnviz's facade, {@link io.nnviz.NNViz}: open a framework's model or a model file as a neutral
 * {@link io.nnviz.api.ModelView}, and attach hooks to a training loop. It sits above every api
 * package (the neutral types in {@link io.nnviz.api}, hooks in {@link io.nnviz.api.hook}, backends
 * in {@link io.nnviz.api.spi}), and nothing in them depends on it.
 */
package io.nnviz;
