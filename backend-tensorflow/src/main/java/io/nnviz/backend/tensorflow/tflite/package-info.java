/**
 * TensorFlow Lite files ({@code .tflite} flatbuffers), in the backend shape, read as data with no
 * TFLite runtime: {@link io.nnviz.backend.tensorflow.tflite.TfliteFiles} (files: the one public
 * entry, for the TensorFlow provider), with its checks of untrusted files: {@code TfliteTable}
 * (flatbuffers' table reader with every offset and length checked first), {@code TfliteSchema}
 * (the schema's field slots, operator names and tensor types, written from the schema's text),
 * {@code TfliteGraph} (the main subgraph as plain values), {@code TfliteOptions} (operator
 * options as attributes) and {@code TfliteChecks} (the whole graph checked before use);
 * {@code TfliteModel} (the neutral model, weights only); {@code TfliteDescriber} (layers in
 * execution order, edges, kinds, weight specs, a {@code DEQUANTIZE} or {@code DENSIFY} of a constant
 * folded into its reader, parameters counted by dtype) with {@code TfliteScopes} (groups from name
 * scopes); {@code TfliteTensors} (constants as float32 in canonical layouts: float16 widened,
 * integers dequantized, kernels OHWI and depthwise {@code [1, H, W, C*M]} to OIHW) with
 * {@code TfliteSparse} (sparse storage made dense). No gradients or training: nothing runs.
 */
package io.nnviz.backend.tensorflow.tflite;
