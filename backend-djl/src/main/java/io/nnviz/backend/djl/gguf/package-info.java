/**
 * GGUF files (llama.cpp's and ggml's format), in the backend shape:
 * {@link io.nnviz.backend.djl.gguf.GgufFiles} (files: the one public entry, for the DJL provider),
 * {@code GgufHeader} (its checks: the header bounded and checked whole, every length against the
 * bytes left, every tensor inside the file and aligned), {@code GgufModel} (the neutral model,
 * weights only), {@code GgufDescriber} (layers and groups from llama.cpp's tensor names, the
 * metadata, parameters counted by type), {@code GgufTensors} (every type read as float32 from the
 * memory-mapped file a tensor at a time), {@code GgufBlocks} (the block-quantized types
 * dequantized) and {@code GgufType} (the types ggml defines). No gradients or training: the format
 * holds no code. It needs no engine.
 */
package io.nnviz.backend.djl.gguf;
