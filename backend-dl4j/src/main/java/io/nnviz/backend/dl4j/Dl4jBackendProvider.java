package io.nnviz.backend.dl4j;

import io.nnviz.api.ModelView;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.spi.BackendProvider;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.nio.file.Path;
import java.util.List;

/**
 * The Deeplearning4j backend: {@link MultiLayerNetwork} and {@link ComputationGraph} objects,
 * DL4J model zips ({@code ModelSerializer}) and Keras {@code .h5} files, and training hooks as a
 * DL4J {@code TrainingListener}. Registered in {@code META-INF/services}; DL4J classes are only
 * touched once an object or file of DL4J's is handed over.
 */
public final class Dl4jBackendProvider implements BackendProvider {
    private static final String MLN = "org.deeplearning4j.nn.multilayer.MultiLayerNetwork";
    private static final String CG = "org.deeplearning4j.nn.graph.ComputationGraph";

    @Override
    public String name() {
        return "dl4j";
    }

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
        if (nativeModel instanceof MultiLayerNetwork n) {
            return Dl4jModel.of(n, null);
        }
        if (nativeModel instanceof ComputationGraph g) {
            return Dl4jModel.of(g);
        }
        throw new IllegalArgumentException("not a DL4J network: " + (nativeModel == null ? "null" : nativeModel.getClass().getName()));
    }

    @Override
    public boolean canLoad(Path path) {
        return Dl4jFiles.sniff(path) != Dl4jFiles.Kind.UNKNOWN;
    }

    @Override
    public ModelView load(Path path) {
        return load(path, io.nnviz.api.LoadOptions.defaults());
    }

    /** As {@link #load(Path)}; an input shape given applies to DL4J zips, which keep no input type. */
    @Override
    public ModelView load(Path path, io.nnviz.api.LoadOptions options) {
        return Dl4jFiles.load(path, options.singleInputShape(String.valueOf(path == null ? null : path.getFileName())), options.memoryBudget());
    }

    @Override
    public boolean canAttach(Object trainingTarget) {
        return isNetwork(trainingTarget);
    }

    /** Adds a {@link Dl4jListener} to the network; the attachment's {@code close()} removes it. */
    @Override
    public Attachment attach(Object trainingTarget, List<Hook> hooks) {
        Dl4jModel model = (Dl4jModel) open(trainingTarget);
        org.deeplearning4j.nn.api.Model net = (org.deeplearning4j.nn.api.Model) trainingTarget;
        Dl4jListener l = Dl4jListener.of(hooks.toArray(new Hook[0])).bind(net, model);
        net.addListeners(l);
        return l;
    }
}
