/**
 * The Deeplearning4j backend, in the shape every nnviz backend has (see {@code docs/backends.md}).
 * Users reach it through {@code NNViz}; its public types are the provider,
 * {@link io.nnviz.backend.dl4j.Dl4jListener} (the training listener) and
 * {@link io.nnviz.backend.dl4j.Dl4jModel} (whose {@code of} takes a network's input type).
 * Its classes by role:
 * <ul>
 * <li>provider: {@code Dl4jBackendProvider}, what the backend supports, handing each request on;</li>
 * <li>files: {@code Dl4jFiles}, DL4J zips and Keras HDF5 files, with the checks of untrusted files
 *     beside it, {@code Dl4jFileChecks} (zips, Keras configurations; a Keras HDF5 file's structure is checked by the keras package, which knows that format);</li>
 * <li>model: {@code Dl4jModel}, the {@code ModelView} over a live network, which runs it;</li>
 * <li>describer: {@code Dl4jDescriber} (layers, edges and nodes), {@code Dl4jNode} (one layer or
 *     vertex), {@code Dl4jLayerKinds} (kinds, layouts, attributes), {@code Dl4jWeightRoles}
 *     (parameters as weights), {@code Dl4jShapes} (canonical shapes), {@code Dl4jInputTypes} (the
 *     input type DL4J does not keep);</li>
 * <li>tensors: {@code Dl4jTensors}, copies between ND4J arrays and tensors, in the canonical layouts;</li>
 * <li>gradients: {@code Dl4jGradients}, gradients of an output score; beside it {@code Dl4jAttention},
 *     the attention probabilities of self-attention layers;</li>
 * <li>training: {@code Dl4jListener}, with {@code Dl4jStep} (what one step captures),
 *     {@code Dl4jMetrics} (learning rates, update ratios) and {@code Dl4jEvaluation} (epoch-end evaluation).</li>
 * </ul>
 */
package io.nnviz.backend.dl4j;
