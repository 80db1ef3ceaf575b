package io.nnviz.backend.tensorflow;

import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelView;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.spi.BackendProvider;
import org.tensorflow.SavedModelBundle;

import java.nio.file.Path;
import java.util.List;

/**
 * The TensorFlow Java backend: {@link TfGraph} (a graph and session with named input and output),
 * {@link SavedModelBundle}s, SavedModel directories, frozen GraphDef {@code .pb} files and TFLite
 * flatbuffers (read as data, weights only, by {@code io.nnviz.backend.tensorflow.tflite}). Training
 * hooks attach to a session, graph, bundle or model as a {@link TfTraining}, to which the loop
 * reports its steps (TensorFlow Java has no trainer to listen to). Registered in
 * {@code META-INF/services}; it says what it supports by class and file names alone, never loading
 * TensorFlow's natives, and hands each request to {@link TfModel}, {@link TfFiles} or
 * {@link TfTraining}.
 */
public final class TfBackendProvider implements BackendProvider {
    private static final String TF_GRAPH = "io.nnviz.backend.tensorflow.TfGraph";
    private static final String BUNDLE = "org.tensorflow.SavedModelBundle";
    private static final String SESSION = "org.tensorflow.Session";

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
        return n.equals(TF_GRAPH) || n.equals(BUNDLE);
    }

    @Override
    public ModelView open(Object nativeModel) {
        if (nativeModel instanceof TfGraph g) {
            return TfModel.of(g);
        }
        if (nativeModel instanceof SavedModelBundle b) {
            return TfModel.of(b);
        }
        throw new IllegalArgumentException("not a TensorFlow model: " + (nativeModel == null ? "null" : nativeModel.getClass().getName()));
    }

    /** True for a SavedModel folder, a frozen GraphDef and a TFLite file, as the file gate tells them by content (see {@link TfFiles#canLoad}). */
    @Override
    public boolean canLoad(Path path) {
        return TfFiles.canLoad(path);
    }

    @Override
    public ModelView load(Path path) {
        return TfFiles.open(path, LoadOptions.defaults());
    }

    /** As {@link #load(Path)}; an input shape given (canonical, images NCHW) replaces the placeholder's declared one. */
    @Override
    public ModelView load(Path path, LoadOptions options) {
        return TfFiles.open(path, options);
    }

    @Override
    public boolean canAttach(Object trainingTarget) {
        return trainingTarget instanceof TfModel || supports(trainingTarget)
                || trainingTarget != null && trainingTarget.getClass().getName().equals(SESSION);
    }

    /** A {@link TfTraining} on the target (cast the attachment to it to report steps). */
    @Override
    public Attachment attach(Object trainingTarget, List<Hook> hooks) {
        return TfTraining.attach(trainingTarget, hooks.toArray(new Hook[0]));
    }
}
