/**
 * Keras files nnviz reads itself, without a framework: Keras 3 archives ({@code .keras}) and the
 * Keras HDF5 files DL4J's import refuses, in the backend shape:
 * {@link io.nnviz.backend.dl4j.keras.KerasFiles} (files: the one public entry, for the DL4J
 * backend; the checks of untrusted files in {@code KerasChecks} beside it: archive entries, JSON
 * size and nesting, HDF5 structure against the file's bytes and the memory budget),
 * {@code KerasModel} (the neutral model, weights only), {@code KerasDescriber} (kinds, attributes,
 * shapes and weight roles of each layer, each weight's shape checked against its configuration),
 * with {@code KerasConfig} (the configuration as one graph: Sequential and Functional models, nested
 * ones as groups, Keras 2 and Keras 3 calls as edges), {@code KerasShapes} (output shapes computed
 * from the configuration) and {@code KerasStore} (where each layer's weights are in a Keras 2 or a
 * Keras 3 weights file), and {@code KerasTensors} (names and roles of the weights, their values in
 * nnviz's canonical layouts). There are no gradients or training: nothing here runs a model.
 */
package io.nnviz.backend.dl4j.keras;
