/**
 * The DJL backend, in the shape every nnviz backend has (see {@code docs/backends.md}): DJL blocks
 * and models here, and two sub-backends in packages of their own with the same shape,
 * {@link io.nnviz.backend.djl.onnx} (ONNX files) and {@link io.nnviz.backend.djl.torchscript}
 * (TorchScript files). Users reach it through {@code NNViz}; its public types are the provider,
 * {@link io.nnviz.backend.djl.DjlListener} (the training listener),
 * {@link io.nnviz.backend.djl.TapBlock} (activations from the real training forward pass) and
 * {@link io.nnviz.backend.djl.HfTextTokenizer} (a registered {@code TextTokenizer}). Its classes
 * by role:
 * <ul>
 * <li>provider: {@code DjlBackendProvider}, what the backend supports, handing live objects to
 *     {@code DjlModel.of}, ONNX files to {@code OnnxFiles} and TorchScript files to
 *     {@code TorchScriptFiles};</li>
 * <li>files: none of its own (a DJL block is a live object); the sub-backends read files;</li>
 * <li>model: {@code DjlModel}, the {@code ModelView} over a live block tree, made by {@code DjlModel.of};</li>
 * <li>describer: {@code DjlDescriber}, the tree's layers, groups, edges, kinds and weight roles;</li>
 * <li>tensors: {@code DjlTensors}, the training listener's reads, on {@code ndarray.NdArrays}, the copies between DJL
 *     arrays and tensors that the sub-backends share; beside them {@code DjlForward},
 *     the leaf-by-leaf forward pass that activations, Grad-CAM and {@code TapBlock} share;</li>
 * <li>gradients: {@code DjlGradients}, gradients of an output unit with respect to the input or a leaf;</li>
 * <li>training: {@code DjlListener}, with {@code DjlEvaluations} (the trainer's evaluators each epoch)
 *     and {@code DjlTrainers} (a trainer's listener list), and {@code TapBlock};</li>
 * <li>text: {@code HfTextTokenizer}, HuggingFace {@code tokenizer.json} files.</li>
 * </ul>
 * The sub-packages depend on nothing here; only the provider reaches into them.
 */
package io.nnviz.backend.djl;
