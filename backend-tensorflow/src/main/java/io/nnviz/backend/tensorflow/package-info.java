/**
 * The TensorFlow Java backend, in the shape every backend has (docs/backends.md), one class or
 * group of classes per role:
 * <ul>
 *   <li>provider: {@link TfBackendProvider}, registered in
 *       {@code META-INF/services}: says what it supports and hands each request on;</li>
 *   <li>files: {@code TfFiles}, the one place that reads TensorFlow's formats ({@code canLoad},
 *       {@code open}, and {@code fromBundle} for a SavedModel TensorFlow loaded); beside it the
 *       format helpers and checks of untrusted files: {@code TfSavedModels} (a SavedModel folder
 *       read as data), {@code TfGraphChecks}, {@code TfPruning}, {@code TfFunctions} and
 *       {@code TfOpArgs} (function calls expanded), {@code TfFreezing} (variables to constants),
 *       {@code TfFusedOps} (fused ops split);</li>
 *   <li>model: {@link TfModel}, the {@code ModelView} over a graph and
 *       session ({@code TfModel.of} wraps live ones); {@link TfGraph}
 *       names a graph's input and output;</li>
 *   <li>describer: {@code TfDescriber} (layers, shapes, weight specs, edges, scope, properties),
 *       with {@code TfOpGroups} (ops grouped into layers), {@code TfOpRoles} (kinds and weight
 *       roles), {@code TfLayer} and {@code TfWeight};</li>
 *   <li>tensors: {@code TfTensors} (copies and canonical layouts), {@code TfShuffledWeights}
 *       (shuffled weights as feeds, for randomised copies);</li>
 *   <li>gradients: {@code TfGradients} (score, input and layer gradients; weight gradients for
 *       training);</li>
 *   <li>training: {@link TfTraining}, the push-style entry a training
 *       loop reports its steps to, with {@code TfStepFetches} (what {@code run} adds to a step),
 *       {@code TfSampledFetches} (in-graph cuts of the batch and activations),
 *       {@code TfWeightCopies} (a step's weights) and {@code TfValidation} (validation data).</li>
 * </ul>
 * Users reach models only through {@code NNViz}; {@code TfBackendProvider}, {@code TfGraph},
 * {@code TfModel} (the type {@code NNViz.inspect} returns here) and {@code TfTraining} are public,
 * everything else is package-private.
 */
package io.nnviz.backend.tensorflow;
