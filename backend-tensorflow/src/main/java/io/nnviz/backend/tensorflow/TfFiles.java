package io.nnviz.backend.tensorflow;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.ModelView;
import io.nnviz.api.spi.FileGate;
import io.nnviz.api.spi.ModelFormat;
import io.nnviz.api.spi.SafeFiles;
import io.nnviz.backend.tensorflow.tflite.TfliteFiles;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.RawTensor;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * TensorFlow's formats, the one place that reads them: SavedModel folders and frozen GraphDef
 * {@code .pb} files ({@link #open}; TFLite flatbuffers it hands to {@link TfliteFiles}), and the graph of a SavedModel TensorFlow has loaded
 * ({@link #fromBundle}). Files are read as data and checked before TensorFlow sees them
 * ({@link TfSavedModels}, {@link TfGraphChecks}, {@link TfPruning}). A graph that keeps its model
 * in library functions (TF 2 exports: one {@code StatefulPartitionedCall}) or fuses ops
 * ({@code _FusedConv2D}) is flattened first: the calls expanded into their bodies
 * ({@link TfFunctions}), the variables they read frozen to their restored values
 * ({@link TfFreezing}), the fused ops split ({@link TfFusedOps}), and the result imported into a
 * graph and session of nnviz's own, so every inner layer has its weights, shapes, activations and
 * gradients.
 */
final class TfFiles {
    private TfFiles() {
    }

    /**
     * True for a SavedModel folder and a frozen GraphDef, as the file gate tells them by content
     * ({@link FileGate}: a GraphDef's top-level protobuf fields), whatever the file is named; never
     * throws. {@link #open} then reads and checks the whole file.
     */
    static boolean canLoad(Path path) {
        return FileGate.recognize(path).is(ModelFormat.SAVED_MODEL, ModelFormat.FROZEN_GRAPH, ModelFormat.TFLITE);
    }

    /**
     * Opens a SavedModel folder or frozen graph, never running what the file carries beyond the
     * model's forward ops; the model owns the graph and session it made. An input shape in
     * {@code options} (canonical: images NCHW, batch first, -1 free) replaces the input
     * placeholder's declared one; what the file declares is held to the options' memory budget.
     *
     * @throws IllegalArgumentException if {@code path} is null
     * @throws ModelLoadException       if the file is missing, damaged, or holds what nnviz does not run
     */
    static ModelView open(Path path, LoadOptions options) {
        if (path == null) {
            throw new IllegalArgumentException("path is null");
        }
        if (FileGate.recognize(path).is(ModelFormat.TFLITE)) { // read as data by its own package: no TensorFlow runtime
            return TfliteFiles.open(path, options);
        }
        long[] inputShape = options.singleInputShape(String.valueOf(path.getFileName()));
        long budget = options.memoryBudget();
        if (!Files.exists(path)) {
            throw new ModelLoadException(path, "no such file or directory");
        }
        if (Files.isDirectory(path)) {
            if (!Files.isRegularFile(path.resolve("saved_model.pb"))) {
                throw new ModelLoadException(path, "not a SavedModel directory (no saved_model.pb)");
            }
            // TensorFlow would block forever on a pipe among the variables, and read what the files hold into memory
            SafeFiles.requireRegularTree(path, budget);
            // read as data: TensorFlow's own loader would run the file's restore and init ops, whatever they are
            TfSavedModels.Frozen f = TfSavedModels.read(path, budget);
            GraphDef def = inputShape == null ? f.graph() : withInputShape(f.graph(), f.input(), inputShape);
            try {
                return imported(def, f.input(), f.output(), f.title());
            } catch (ModelLoadException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new ModelLoadException(path, "TensorFlow could not import the graph: " + e.getMessage(), e);
            }
        }
        return frozen(path, inputShape, budget);
    }

    /**
     * A SavedModel TensorFlow has loaded, through its default signature (else its first), which
     * must have one input; its graph is flattened into a graph of nnviz's own when it calls
     * functions or fuses ops (that model closes the graph it made; the bundle stays the caller's).
     */
    static TfModel fromBundle(SavedModelBundle b) {
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
        String outTensor = sig.getOutputs().values().iterator().next().name;
        String title = "SavedModel (" + sig.key() + ": " + sig.getInputs().keySet() + " -> " + sig.getOutputs().keySet() + ")";
        GraphDef def = b.metaGraphDef().getGraphDef();
        if (!TfFunctions.hasCalls(def) && !TfFusedOps.hasFused(def)) {
            return TfModel.of(title, new TfGraph(b.graph(), b.session(), in, opName(outTensor)), null);
        }
        GraphDef flat = TfFunctions.inline(def);
        Set<String> vars = TfFreezing.variablesRead(flat);
        Map<String, TensorProto> values = values(b, flat, vars);
        flat = TfFusedOps.split(TfFreezing.freeze(flat, values::get));
        return imported(flat, in, outTensor, title + ", flattened: its functions expanded, " + vars.size() + " variables frozen");
    }

    /** The restored values of the variables, read by ops nnviz adds to the bundle's graph under {@code nnviz_freeze/}. */
    private static Map<String, TensorProto> values(SavedModelBundle b, GraphDef flat, Set<String> vars) {
        Map<String, NodeDef> handles = new HashMap<>();
        flat.getNodeList().stream().filter(n -> vars.contains(n.getName())).forEach(n -> handles.put(n.getName(), n));
        Ops tf = Ops.create(b.graph()).withSubScope("nnviz_freeze");
        Session.Runner r = b.session().runner();
        List<String> order = new ArrayList<>(vars);
        for (String v : order) {
            GraphOperation handle = b.graph().operation(v);
            if (handle == null) {
                throw new InvalidInputException("the function reads variable '" + v + "', which the SavedModel's graph does not have");
            }
            DataType type = handles.get(v).getAttrOrThrow("dtype").getType();
            GraphOperation read = (GraphOperation) b.graph().opBuilder("ReadVariableOp", "read_" + order.indexOf(v), tf.scope())
                    .addInput(handle.output(0)).setAttr("dtype", type).build();
            r.fetch(read.output(0));
        }
        Map<String, TensorProto> out = new HashMap<>();
        if (order.isEmpty()) {
            return out;
        }
        try (Result res = r.run()) {
            for (int i = 0; i < order.size(); i++) {
                out.put(order.get(i), proto(res.get(i)));
            }
        }
        return out;
    }

    /** A tensor's value as a TensorProto (its raw bytes, its type and shape). */
    static TensorProto proto(Tensor t) {
        RawTensor raw = t.asRawTensor();
        byte[] bytes = new byte[(int) raw.numBytes()];
        raw.data().read(bytes);
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : t.shape().asArray()) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        return TensorProto.newBuilder().setDtype(raw.dataType()).setTensorShape(shape).setTensorContent(ByteString.copyFrom(bytes)).build();
    }

    /**
     * A flattened GraphDef in a graph and session of its own, which the model closes; the output is
     * {@code outTensor}, through an Identity under {@code nnviz_output} when it is not an op's first
     * output.
     */
    private static TfModel imported(GraphDef flat, String input, String outTensor, String title) {
        String out = opName(outTensor);
        int index = outTensor.contains(":") ? Integer.parseInt(outTensor.substring(outTensor.lastIndexOf(':') + 1)) : 0;
        GraphDef.Builder g = flat.toBuilder();
        if (index != 0) {
            NodeDef producer = flat.getNodeList().stream().filter(n -> n.getName().equals(out)).findFirst()
                    .orElseThrow(() -> new InvalidInputException("the graph has no op '" + out + "' (the signature's output)"));
            DataType t = producer.containsAttr("T") && producer.getAttrOrThrow("T").hasList()
                    ? producer.getAttrOrThrow("T").getList().getType(index) : DataType.DT_FLOAT;
            g.addNode(NodeDef.newBuilder().setName("nnviz_output").setOp("Identity").addInput(outTensor)
                    .putAttr("T", AttrValue.newBuilder().setType(t).build()));
        }
        Graph graph = new Graph();
        Session session = null;
        try {
            graph.importGraphDef(g.build());
            session = new Session(graph);
            Session s = session;
            return TfModel.of(title, new TfGraph(graph, s, input, index != 0 ? "nnviz_output" : out), () -> {
                s.close();
                graph.close();
            });
        } catch (RuntimeException e) {
            if (session != null) {
                session.close();
            }
            graph.close();
            throw e;
        }
    }

    /** A frozen GraphDef: constants for weights; the input is the first placeholder, the output the last op nothing reads (not a NoOp or constant). */
    private static TfModel frozen(Path path, long[] inputShape, long budget) {
        GraphDef def;
        long size = SafeFiles.requireRegularFile(path);
        if (size == 0) {
            throw new ModelLoadException(path, "the file is empty");
        }
        if (size > budget / 3) { // parsed here, then imported into TensorFlow's own graph
            throw new ModelTooLargeException(path, "the file", 3 * size, budget);
        }
        try (InputStream in = Files.newInputStream(path)) {
            // no field can be longer than the file: a length claiming more fails at once, before any allocation
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit((int) Math.min(size, Integer.MAX_VALUE));
            def = GraphDef.parseFrom(coded);
        } catch (IOException | RuntimeException e) {
            // protobuf's stream decoder throws unchecked exceptions, not IOExceptions, on some damaged lengths: an
            // IllegalStateException for strings cut short at the size limit (Jazzer), an IndexOutOfBoundsException for a
            // length of 2^31-1 (the mutation campaign)
            throw new ModelLoadException(path, "not a TensorFlow GraphDef (" + e.getMessage() + ")", e);
        }
        if (def.getNodeCount() == 0) {
            throw new ModelLoadException(path, "not a TensorFlow GraphDef (no nodes)");
        }
        TfGraphChecks.graph(path, def, budget);
        boolean flatten = TfFunctions.hasCalls(def) || TfFusedOps.hasFused(def);
        try {
            if (flatten) {
                def = TfFusedOps.split(TfFunctions.inline(def));
                if (!TfFreezing.variablesRead(def).isEmpty()) {
                    throw new ModelLoadException(path, "the graph reads variables " + TfFreezing.variablesRead(def)
                            + ", whose values a frozen graph does not hold; open its SavedModel instead");
                }
            }
            NodeDef input = null, output = null;
            Set<String> consumed = new HashSet<>();
            for (NodeDef n : def.getNodeList()) {
                n.getInputList().forEach(i -> consumed.add(opName(i.startsWith("^") ? i.substring(1) : i)));
            }
            for (NodeDef n : def.getNodeList()) {
                if (input == null && n.getOp().equals("Placeholder")) {
                    input = n;
                }
                if (!consumed.contains(n.getName()) && !n.getOp().equals("NoOp") && !n.getOp().equals("Const")) {
                    output = n;
                }
            }
            if (input == null || output == null) {
                throw new ModelLoadException(path, "the graph has no placeholder input or no output");
            }
            // only what the output needs is imported, and none of it may act outside the process
            def = TfPruning.prune(def, Set.of(input.getName(), output.getName()));
            TfGraphChecks.noSideEffects(path, def);
            if (inputShape != null) {
                def = withInputShape(def, input.getName(), inputShape);
            }
            return imported(def, input.getName(), output.getName(), "frozen graph " + path.getFileName()
                    + (flatten ? ", flattened: its functions expanded and fused ops split" : ""));
        } catch (ModelLoadException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelLoadException(path, "TensorFlow could not import the graph: " + e.getMessage(), e);
        }
    }

    /** The graph with placeholder {@code input} declared of a canonical shape (rank-4 images NCHW, declared NHWC as TensorFlow takes them). */
    static GraphDef withInputShape(GraphDef def, String input, long[] canonical) {
        long[] tf = canonical.length == 4 ? new long[] {canonical[0], canonical[2], canonical[3], canonical[1]} : canonical;
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : tf) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        GraphDef.Builder g = def.toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getName().equals(input)) {
                g.setNode(i, g.getNode(i).toBuilder().putAttr("shape", AttrValue.newBuilder().setShape(shape).build()));
                return g.build();
            }
        }
        throw new InvalidInputException("the graph has no input placeholder '" + input + "'");
    }

    static String opName(String tensorName) {
        int colon = tensorName.lastIndexOf(':');
        return colon > 0 ? tensorName.substring(0, colon) : tensorName;
    }
}
