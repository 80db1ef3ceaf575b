/**
 * The TorchScript sub-backend of the DJL backend, in the backend shape (see
 * {@code docs/backends.md}): TorchScript archives checked, then loaded and run by DJL's PyTorch
 * engine. {@link io.nnviz.backend.djl.torchscript.TorchScriptFiles} is public for
 * {@code io.nnviz.backend.djl.DjlBackendProvider}, which hands TorchScript files to it; users open them
 * with {@code NNViz.load}. What PyTorch's files share is public for the checkpoint reader
 * ({@code io.nnviz.backend.djl.checkpoint}) too: {@code PlainPickle}, {@code TorchScriptPickles},
 * {@code TorchScriptStorages} and {@code ModuleTree}. Its classes by role:
 * <ul>
 * <li>files: {@code TorchScriptFiles}, loading on a {@code NativeStack} (a thread with a stack of
 *     known size), with the checks of untrusted files beside it: {@code TorchScriptArchive} (all
 *     checks of one archive), {@code TorchScriptZip} (the zip as libtorch reads it),
 *     {@code TorchScriptCode} (how deep the code nests), {@code TorchScriptPickles} (how deep pickled
 *     values nest, with {@code PickleMemo}), {@code PlainPickle} (pickles read as plain data) and
 *     {@code TorchScriptStorages} (tensors against the bytes of their storages and the budget);</li>
 * <li>model: {@code TorchScriptModel}, the {@code ModelView} over a loaded module;</li>
 * <li>describer: {@code TorchScriptDescriber}, the module tree ({@code ModuleTree}, from the parameters'
 *     dotted names) between an input and an output layer;</li>
 * <li>tensors: {@code TorchScriptTensors}, copies between PyTorch arrays and tensors;</li>
 * <li>gradients: {@code TorchScriptGradients}, the input gradient through libtorch's autograd.</li>
 * </ul>
 */
package io.nnviz.backend.djl.torchscript;
