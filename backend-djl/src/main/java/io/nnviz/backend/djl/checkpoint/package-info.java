/**
 * PyTorch checkpoints, the files {@code torch.save} writes, with the backend shape:
 * {@link io.nnviz.backend.djl.checkpoint.CheckpointFiles} (files: the one public entry, for the DJL
 * provider; the archive's checks are TorchScript's, shared), {@code CheckpointLegacy} (the legacy,
 * pre-1.6 stream: five pickles, then the storages, each count checked against the file), {@code CheckpointModel} (the neutral
 * model, weights only), {@code CheckpointDescriber} (which tensors are the model's parameters,
 * which are buffers and which an optimizer's, and the module tree their dotted names make) and
 * {@code CheckpointTensors} (a storage's bytes in any of PyTorch's element types as float32
 * tensors). There is no gradients or training role: a checkpoint holds no code to run. Nothing in
 * a file is imported or run: its pickle is read as data ({@code PlainPickle}).
 */
package io.nnviz.backend.djl.checkpoint;
