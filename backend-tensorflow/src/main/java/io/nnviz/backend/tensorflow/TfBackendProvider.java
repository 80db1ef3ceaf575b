package io.nnviz.backend.tensorflow;

import io.nnviz.api.ModelView;
import org.tensorflow.SavedModelBundle;
import io.nnviz.api.spi.BackendProvider;

import java.nio.file.Path;

/**
 * The TensorFlow Java backend: {@link TfGraph} (a graph and session with named input and output),
 * {@link SavedModelBundle}s, SavedModel directories and frozen GraphDef {@code .pb} files. Training
 * hooks attach to a session, graph, bundle or model as a {@link TfTraining}, to which the loop
 * reports its steps (TensorFlow Java has no trainer to listen to).
 */
public final class TfBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "tensorflow";
    }

    @Override
    public boolean supports(Object nativeModel) {
        if (nativeModel == null) {
            return false;
        }
        String n = nativeModel.getClass().getName();
        return n.equals("io.nnviz.backend.tensorflow.TfGraph") || n.equals("org.tensorflow.SavedModelBundle");
    }

    @Override
    public ModelView open(Object nativeModel) {
        if (nativeModel instanceof TfGraph g) {
            return TfModel.open("TensorFlow graph", g, null);
        }
        if (nativeModel instanceof SavedModelBundle b) {
            return fromBundle(b, null, "SavedModel");
        }
        throw new IllegalArgumentException("not a TensorFlow model: " + (nativeModel == null ? "null" : nativeModel.getClass().getName()));
    }

    /** The first signature's single input and output name the model's input and output ops (see {@link TfFiles#fromBundle}). */
    static TfModel fromBundle(SavedModelBundle b, AutoCloseable owned, String name) {
        return TfFiles.fromBundle(b, owned, name);
    }

    @Override
    public boolean canLoad(Path path) {
        return TfFiles.canLoad(path);
    }

    @Override
    public ModelView load(Path path) {
        if (path == null) {
            throw new IllegalArgumentException("path is null");
        }
        return TfFiles.load(path);
    }

    /** As {@link #load(Path)}; an input shape given (canonical, images NCHW) replaces the placeholder's declared one. */
    @Override
    public ModelView load(Path path, io.nnviz.api.LoadOptions options) {
        if (path == null) {
            throw new IllegalArgumentException("path is null");
        }
        return TfFiles.load(path, options.singleInputShape(String.valueOf(path.getFileName())), options.memoryBudget());
    }

    @Override
    public boolean canAttach(Object trainingTarget) {
        return trainingTarget instanceof TfModel || supports(trainingTarget)
                || trainingTarget != null && trainingTarget.getClass().getName().equals("org.tensorflow.Session");
    }

    /** A {@link TfTraining} on the target (cast the attachment to it to report steps). */
    @Override
    public io.nnviz.api.hook.Attachment attach(Object trainingTarget, java.util.List<io.nnviz.api.hook.Hook> hooks) {
        return TfTraining.attach(trainingTarget, hooks.toArray(new io.nnviz.api.hook.Hook[0]));
    }

}
