/**
 * What the DJL backend's models with autograd share, public for its sub-backends: {@link
 * io.nnviz.backend.djl.autograd.GradientSums}, input gradients added up in the engine's arrays.
 */
package io.nnviz.backend.djl.autograd;
