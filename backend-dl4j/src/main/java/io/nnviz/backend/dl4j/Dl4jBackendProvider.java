package io.nnviz.backend.dl4j;

import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelView;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.spi.BackendProvider;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.nio.file.Path;
import java.util.List;

/**
 * The Deeplearning4j backend: {@link MultiLayerNetwork} and {@link ComputationGraph} objects
 * ({@link Dl4jModel}), DL4J model zips ({@code ModelSerializer}) and Keras {@code .h5} files
 * ({@code Dl4jFiles}), and training hooks as a DL4J {@code TrainingListener} ({@link Dl4jListener}).
 * Registered in {@code META-INF/services}; DL4J's classes are only touched once an object or file
 * of DL4J's is handed over (objects are recognised by class name).
 */
public final class Dl4jBackendProvider implements BackendProvider {
    private static final String MLN = "org.deeplearning4j.nn.multilayer.MultiLayerNetwork";
    private static final String CG = "org.deeplearning4j.nn.graph.ComputationGraph";

    @Override
    public String name() {
        return "dl4j";
    }

    /** True for a {@code MultiLayerNetwork} or {@code ComputationGraph} (or a subclass), judged by class name. */
    private static boolean isNetwork(Object o) {
        for (Class<?> c = o == null ? null : o.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(MLN) || c.getName().equals(CG)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean supports(Object nativeModel) {
        return isNetwork(nativeModel);
    }

    @Override
    public ModelView open(Object nativeModel) {
        return Dl4jModel.ofNetwork(nativeModel);
    }

    @Override
    public boolean canLoad(Path path) {
        return Dl4jFiles.canLoad(path);
    }

    @Override
    public ModelView load(Path path) {
        return Dl4jFiles.open(path, LoadOptions.defaults());
    }

    /** As {@link #load(Path)}; an input shape given applies to DL4J zips, which keep no input type. */
    @Override
    public ModelView load(Path path, LoadOptions options) {
        return Dl4jFiles.open(path, options);
    }

    @Override
    public boolean canAttach(Object trainingTarget) {
        return isNetwork(trainingTarget);
    }

    /** Adds a {@link Dl4jListener} to the network; the attachment's {@code close()} removes it. */
    @Override
    public Attachment attach(Object trainingTarget, List<Hook> hooks) {
        return Dl4jListener.attach(trainingTarget, hooks);
    }
}
