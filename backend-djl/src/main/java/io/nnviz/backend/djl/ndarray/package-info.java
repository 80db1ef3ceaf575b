/**
 * Copies between DJL's arrays and nnviz tensors ({@link io.nnviz.backend.djl.ndarray.NdArrays}),
 * public for the DJL backend's sub-backends and its gradient sums.
 */
package io.nnviz.backend.djl.ndarray;
