package io.nnviz.backend.tensorflow;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.Model;
import io.nnviz.api.ModelLoadException;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import io.nnviz.api.spi.BackendProvider;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

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
    public Model open(Object nativeModel) {
        if (nativeModel instanceof TfGraph g) {
            return TfModel.open("TensorFlow graph", g, null);
        }
        if (nativeModel instanceof SavedModelBundle b) {
            return fromBundle(b, null, "SavedModel");
        }
        throw new IllegalArgumentException("not a TensorFlow model: " + (nativeModel == null ? "null" : nativeModel.getClass().getName()));
    }

    /** The first signature's single input and output name the model's input and output ops. */
    static TfModel fromBundle(SavedModelBundle b, AutoCloseable owned, String name) {
        if (b.signatures().isEmpty()) {
            throw new InvalidInputException("the SavedModel has no signatures, so its input and output are unknown");
        }
        Signature sig = b.signatures().get(0);
        for (Signature s : b.signatures()) {
            if (s.key().equals(Signature.DEFAULT_KEY)) {
                sig = s;
            }
        }
        if (sig.getInputs().size() != 1 || sig.getOutputs().isEmpty()) {
            throw new InvalidInputException("signature '" + sig.key() + "' has " + sig.getInputs().size() + " inputs and "
                    + sig.getOutputs().size() + " outputs; nnviz reads models with one input");
        }
        String in = opName(sig.getInputs().values().iterator().next().name);
        String out = opName(sig.getOutputs().values().iterator().next().name);
        TfModel m = TfModel.open(name + " (" + sig.key() + ": " + sig.getInputs().keySet() + " -> " + sig.getOutputs().keySet() + ")",
                new TfGraph(b.graph(), b.session(), in, out), owned);
        return m;
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

    private static String opName(String tensorName) {
        int colon = tensorName.lastIndexOf(':');
        return colon > 0 ? tensorName.substring(0, colon) : tensorName;
    }

    @Override
    public boolean canLoad(Path path) {
        try {
            if (path == null) {
                return false;
            }
            if (Files.isDirectory(path)) {
                return Files.isRegularFile(path.resolve("saved_model.pb"));
            }
            return Files.isRegularFile(path) && path.getFileName().toString().endsWith(".pb");
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public Model load(Path path) {
        if (path == null) {
            throw new IllegalArgumentException("path is null");
        }
        if (!Files.exists(path)) {
            throw new ModelLoadException(path, "no such file or directory");
        }
        if (Files.isDirectory(path)) {
            if (!Files.isRegularFile(path.resolve("saved_model.pb"))) {
                throw new ModelLoadException(path, "not a SavedModel directory (no saved_model.pb)");
            }
            SavedModelBundle b;
            try {
                b = SavedModelBundle.load(path.toString(), SavedModelBundle.DEFAULT_TAG);
            } catch (RuntimeException | LinkageError e) {
                throw new ModelLoadException(path, "TensorFlow could not load the SavedModel: " + e.getMessage(), e);
            }
            try {
                return fromBundle(b, b, "SavedModel " + path.getFileName());
            } catch (RuntimeException e) {
                b.close();
                throw new ModelLoadException(path, e.getMessage(), e);
            }
        }
        return frozen(path);
    }

    /** A frozen GraphDef: constants for weights; the input is the first placeholder, the output the last float op. */
    private static Model frozen(Path path) {
        org.tensorflow.proto.GraphDef def;
        try (InputStream in = Files.newInputStream(path)) {
            if (Files.size(path) == 0) {
                throw new ModelLoadException(path, "the file is empty");
            }
            def = org.tensorflow.proto.GraphDef.parseFrom(in);
        } catch (IOException e) {
            throw new ModelLoadException(path, "not a TensorFlow GraphDef (" + e.getMessage() + ")", e);
        }
        if (def.getNodeCount() == 0) {
            throw new ModelLoadException(path, "not a TensorFlow GraphDef (no nodes)");
        }
        Graph g = new Graph();
        Session s = null;
        try {
            g.importGraphDef(def);
            GraphOperation input = null, output = null;
            for (Iterator<GraphOperation> it = g.operations(); it.hasNext(); ) {
                GraphOperation op = it.next();
                if (input == null && op.type().equals("Placeholder")) {
                    input = op;
                }
                if (op.numOutputs() > 0 && op.numConsumers() == 0 && !op.type().equals("NoOp")) {
                    output = op;
                }
            }
            if (input == null || output == null) {
                throw new ModelLoadException(path, "the graph has no placeholder input or no output");
            }
            s = new Session(g);
            Session session = s;
            return TfModel.open("frozen graph " + path.getFileName(), new TfGraph(g, s, input.name(), output.name()), () -> {
                session.close();
                g.close();
            });
        } catch (ModelLoadException e) {
            close(s, g);
            throw e;
        } catch (RuntimeException e) {
            close(s, g);
            throw new ModelLoadException(path, "TensorFlow could not import the graph: " + e.getMessage(), e);
        }
    }

    private static void close(Session s, Graph g) {
        if (s != null) {
            s.close();
        }
        g.close();
    }
}
