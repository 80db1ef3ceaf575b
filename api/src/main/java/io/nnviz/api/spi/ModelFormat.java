package io.nnviz.api.spi;

/**
 * The model file formats nnviz recognises by content ({@link FileGate}), with the backend that
 * reads each, or, for a format no backend reads yet, what a user can do instead.
 */
public enum ModelFormat {
    DL4J_ZIP("a DL4J model zip", "dl4j", null),
    KERAS_HDF5("a Keras HDF5 file", "dl4j", null),
    KERAS_V3("a Keras 3 .keras archive", "dl4j", null),
    SAVED_MODEL("a TensorFlow SavedModel", "tensorflow", null),
    SAVED_MODEL_PROTO("a SavedModel's saved_model.pb", null, "open the SavedModel's folder, which holds its variables"),
    FROZEN_GRAPH("a TensorFlow frozen GraphDef", "tensorflow", null),
    TORCHSCRIPT("a TorchScript archive", "djl", null),
    ONNX("an ONNX model", "djl", null),
    PYTORCH_CHECKPOINT("a PyTorch checkpoint (torch.save of a state_dict or a module)", "djl", null),
    PYTORCH_LEGACY("a PyTorch checkpoint in the legacy format (torch.save before 1.6)", "djl", null),
    PICKLE("a Python pickle", null, "nnviz never unpickles arbitrary Python objects; export the model to ONNX or TorchScript"),
    SAFETENSORS("a safetensors file", "djl", null),
    GGUF("a GGUF file (llama.cpp)", "djl", null),
    TFLITE("a TensorFlow Lite flatbuffer", "tensorflow", null),
    TFJS("a TensorFlow.js model.json", null,
            "convert it with tensorflowjs_converter --output_format=tf_saved_model, then open the SavedModel"),
    NUMPY("a NumPy array (.npy)", null, "this is data, not a model: give it as an input (--input) to a command that takes one");

    private final String description;
    private final String backend;
    private final String advice;

    ModelFormat(String description, String backend, String advice) {
        this.description = description;
        this.backend = backend;
        this.advice = advice;
    }

    /** What the file is, as a phrase for a message: "an ONNX model". */
    public String description() {
        return description;
    }

    /** What the file is, as a title: "ONNX model" (the description without its article). */
    public String title() {
        return description.replaceFirst("^(a|an) ", "");
    }

    /** The name of the backend that reads it ({@link BackendProvider#name()}), or null when none does. */
    public String backend() {
        return backend;
    }

    /** The artifact that adds that backend, or null when none reads the format. */
    public String artifact() {
        return backend == null ? null : "io.nnviz:nnviz-backend-" + backend;
    }

    /** What a user can do with a file no backend reads, or null for a format a backend reads. */
    public String advice() {
        return advice;
    }
}
