/**
 * safetensors files (HuggingFace's weight format), in the backend shape:
 * {@link io.nnviz.backend.djl.safetensors.SafetensorsFiles} (files: the header bounded and checked,
 * the one public entry, for the DJL provider), {@code SafetensorsModel} (the neutral model,
 * weights only), {@code SafetensorsDescriber} (parameters and buffers, the module tree from the
 * names, a {@code config.json} beside the file) and {@code SafetensorsTensors} (every dtype the
 * format defines as float32, read from the memory-mapped file a tensor at a time). No gradients or
 * training: the format holds no code. It needs no engine.
 */
package io.nnviz.backend.djl.safetensors;
