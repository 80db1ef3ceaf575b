package io.nnviz;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import io.nnviz.api.NoBackendException;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.spi.Backends;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The entry point: turns framework objects and saved files into {@link ModelView}s and attaches
 * {@link Hook}s to training loops, using whichever backend is on the class path.
 *
 * <pre>{@code
 * // a network in memory (DL4J MultiLayerNetwork, DJL Model or Block, TensorFlow Session, ...)
 * try (Model model = NNViz.inspect(network)) { ... }
 *
 * // a saved file: DL4J zip, Keras .h5, SavedModel directory, frozen .pb, TorchScript .pt, ONNX
 * try (Model model = NNViz.load(Path.of("model.onnx"))) { ... }
 *
 * // hooks on a training loop (DL4J network, DJL Trainer, ...)
 * try (Attachment a = NNViz.attach(network, Recorder.defaults())) {
 *     network.fit(data, 2);
 * }
 * }</pre>
 *
 * These use {@link Backends#defaults()}; for another class loader or hand-registered providers,
 * call the same methods on a {@link Backends} instance.
 */
public final class NNViz {
    private NNViz() {
    }

    /**
     * Wraps a framework object as a neutral model. The caller keeps owning the framework object;
     * closing the model frees only what nnviz allocated.
     *
     * @throws NoBackendException naming the class and the artifact to add when no backend fits
     */
    public static ModelView inspect(Object nativeModel) {
        return Backends.defaults().inspect(Objects.requireNonNull(nativeModel, "nativeModel"));
    }

    /**
     * Opens a saved model file or directory.
     *
     * @throws ModelLoadException if the file is missing, unreadable or corrupt
     * @throws NoBackendException if no installed backend reads that format
     */
    public static ModelView load(Path path) {
        return Backends.defaults().load(Objects.requireNonNull(path, "path"));
    }

    /**
     * Opens a saved model file or directory with options: the input shape, for files whose input
     * has free dimensions (then every layer's shape is known).
     *
     * @throws ModelLoadException if the file is missing, unreadable or corrupt, or does not run on the shape given
     * @throws NoBackendException if no installed backend reads that format
     * @throws InvalidInputException if the backend cannot take the options, or they name no input of the model
     */
    public static ModelView load(Path path, LoadOptions options) {
        return Backends.defaults().load(Objects.requireNonNull(path, "path"), options);
    }

    /**
     * Attaches hooks to a framework's training loop until the returned attachment is closed;
     * {@code close()} removes everything it installed. Attach the same hooks again (a new trainer,
     * a new session) and a {@code Recorder} continues its run.
     *
     * @param trainingTarget what trains: a DL4J {@code MultiLayerNetwork} or {@code ComputationGraph},
     *                       a DJL {@code Trainer} or {@code DefaultTrainingConfig}, a TensorFlow
     *                       {@code Session}, {@code SavedModelBundle} or model (TensorFlow Java has no
     *                       trainer: the attachment is a {@code TfTraining}, to which your loop reports
     *                       each step's loss)
     */
    public static Attachment attach(Object trainingTarget, Hook... hooks) {
        Objects.requireNonNull(trainingTarget, "trainingTarget");
        return Backends.defaults().attach(trainingTarget, List.of(hooks));
    }
}
