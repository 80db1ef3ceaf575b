package io.nnviz.backend.tensorflow;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.spi.Printable;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.GraphOperationBuilder;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorProto;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads a SavedModel folder as data, never running what it carries. TensorFlow's own loader
 * ({@code SavedModelBundle.load}) runs the file's restore op and its init op (the
 * {@code __saved_model_init_op} signature, the legacy {@code main_op} and {@code legacy_init_op}):
 * any op, a {@code WriteFile} to a path of the author's choice included. Here instead:
 * {@code saved_model.pb} is parsed as a protobuf; the signature's input and output are taken from
 * it; which checkpoint entry restores which variable is read off the restore ops' structure (never
 * run); the values are read by a {@code RestoreV2} nnviz builds itself in a graph of its own, on
 * {@code variables/variables} inside the folder; the graph is cut down to what the output needs,
 * its variable reads replaced by those values, checked for ops that act outside the process, and
 * imported into a fresh graph. Nothing of the file's own runs before a user asks for activations,
 * and then only the model's forward ops.
 */
final class TfSavedModels {
    private static final String INIT_SIGNATURE = "__saved_model_init_op";

    private TfSavedModels() {
    }

    /** What nnviz takes from a SavedModel: the model's graph with its weights as constants, and its input and output tensors. */
    record Frozen(GraphDef graph, String input, String output, String title) {
    }

    static Frozen read(Path dir, long budget) {
        SavedModel sm = parse(dir);
        MetaGraphDef mg = serving(dir, sm);
        GraphDef def = mg.getGraphDef();
        TfGraphChecks.graph(dir, def, budget);
        Map.Entry<String, SignatureDef> sig = signature(dir, mg);
        SignatureDef s = sig.getValue();
        if (s.getInputsCount() != 1 || s.getOutputsCount() == 0) {
            throw new ModelLoadException(dir, "signature '" + Printable.name(sig.getKey()) + "' has " + s.getInputsCount()
                    + " inputs and " + s.getOutputsCount() + " outputs; nnviz reads models with one input");
        }
        String in = TfFiles.opName(s.getInputsMap().values().iterator().next().getName());
        String out = new TreeMap<>(s.getOutputsMap()).firstEntry().getValue().getName();
        String title = "SavedModel " + dir.getFileName() + " (" + sig.getKey() + ": " + new TreeSet<>(s.getInputsMap().keySet()) + " -> "
                + new TreeSet<>(s.getOutputsMap().keySet()) + ")";
        GraphDef flat;
        try {
            // the whole graph's calls expanded, the restore function's too, so its RestoreV2 -> Assign structure can be read
            flat = TfFunctions.hasCalls(def) ? TfFunctions.inline(def) : def;
            Map<String, Entry> entries = checkpointEntries(flat);
            Set<String> roots = Set.of(in, TfFiles.opName(out));
            GraphDef model = TfPruning.prune(flat, roots);
            Map<String, TensorProto> values = restore(dir, model, entries);
            // the variable handles the reads leave behind pruned too: nothing of the model's state is left to run
            model = TfPruning.prune(TfFreezing.freezeReferences(TfFreezing.freeze(model, values::get), values), roots);
            model = TfFusedOps.split(model);
            TfGraphChecks.noSideEffects(dir, model);
            boolean changed = model.getLibrary().getFunctionCount() > 0 || values.size() > 0 || flat != def;
            return new Frozen(model, in, out, title + (changed ? ", read as data: " + values.size() + " variables frozen" : ""));
        } catch (ModelLoadException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelLoadException(dir, "saved_model.pb: " + Printable.name(String.valueOf(e.getMessage())), e);
        }
    }

    /** {@code saved_model.pb}, parsed with the file's size as every field's limit. */
    static SavedModel parse(Path dir) {
        Path pb = dir.resolve("saved_model.pb");
        try (InputStream in = Files.newInputStream(pb)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit((int) Math.min(Files.size(pb), Integer.MAX_VALUE));
            return SavedModel.parseFrom(coded);
        } catch (IOException | RuntimeException e) { // unchecked too, on damaged lengths (TfFiles)
            throw new ModelLoadException(dir, "saved_model.pb is not a SavedModel (" + Printable.name(String.valueOf(e.getMessage())) + ")", e);
        }
    }

    /** The meta graph tagged {@code serve}, else the only one. */
    private static MetaGraphDef serving(Path dir, SavedModel sm) {
        for (MetaGraphDef mg : sm.getMetaGraphsList()) {
            if (mg.getMetaInfoDef().getTagsList().contains("serve")) {
                return mg;
            }
        }
        if (sm.getMetaGraphsCount() == 1) {
            return sm.getMetaGraphs(0);
        }
        throw new ModelLoadException(dir, "saved_model.pb has " + sm.getMetaGraphsCount() + " graphs and none is tagged 'serve'");
    }

    /** {@code serving_default}, else the first signature by name; never the init op's. */
    private static Map.Entry<String, SignatureDef> signature(Path dir, MetaGraphDef mg) {
        Map<String, SignatureDef> sigs = new TreeMap<>(mg.getSignatureDefMap());
        sigs.remove(INIT_SIGNATURE);
        if (sigs.isEmpty()) {
            throw new ModelLoadException(dir, "the SavedModel has no signatures, so its input and output are unknown");
        }
        String key = sigs.containsKey("serving_default") ? "serving_default" : sigs.keySet().iterator().next();
        return Map.entry(key, sigs.get(key));
    }

    /** One checkpoint entry: its key, its slice spec and its type. */
    record Entry(String key, String slice, DataType type) {
    }

    /**
     * Which checkpoint entry each variable is restored from, read off the graph's restore ops:
     * output {@code i} of a {@code RestoreV2} (whose {@code tensor_names} is a constant) assigned,
     * maybe through {@code Identity}, to a variable by {@code AssignVariableOp} (resource
     * variables) or {@code Assign} (reference variables). Keyed by the variable node's name.
     */
    static Map<String, Entry> checkpointEntries(GraphDef g) {
        Map<String, NodeDef> byName = new HashMap<>();
        g.getNodeList().forEach(n -> byName.put(n.getName(), n));
        Map<String, Entry> byOutput = new HashMap<>(); // "restore:i" -> entry
        for (NodeDef n : g.getNodeList()) {
            if (!n.getOp().equals("RestoreV2") || n.getInputCount() < 3) {
                continue;
            }
            List<String> names = strings(byName, n.getInput(1)), slices = strings(byName, n.getInput(2));
            List<DataType> types = n.containsAttr("dtypes") ? n.getAttrOrThrow("dtypes").getList().getTypeList() : List.of();
            if (names == null || names.size() != types.size()) {
                continue;
            }
            for (int i = 0; i < names.size(); i++) {
                String slice = slices != null && slices.size() == names.size() ? slices.get(i) : "";
                byOutput.put(n.getName() + ":" + i, new Entry(names.get(i), slice, types.get(i)));
            }
        }
        Map<String, Entry> out = new LinkedHashMap<>();
        for (NodeDef n : g.getNodeList()) {
            if ((n.getOp().equals("AssignVariableOp") || n.getOp().equals("Assign")) && n.getInputCount() >= 2) {
                NodeDef var = throughIdentity(byName, n.getInput(0));
                String value = source(byName, n.getInput(1));
                Entry e = value == null ? null : byOutput.get(value);
                if (var != null && e != null && Set.of("VarHandleOp", "VariableV2", "Variable").contains(var.getOp())) {
                    out.put(var.getName(), e);
                }
            }
        }
        return out;
    }

    /** The values of the variables {@code model} holds, read from the folder's checkpoint by a RestoreV2 of nnviz's own. */
    private static Map<String, TensorProto> restore(Path dir, GraphDef model, Map<String, Entry> entries) {
        List<String> vars = new ArrayList<>();
        for (NodeDef n : model.getNodeList()) {
            if (Set.of("VarHandleOp", "VariableV2", "Variable").contains(n.getOp())) {
                if (!entries.containsKey(n.getName())) {
                    throw new ModelLoadException(dir, "variable " + Printable.name(n.getName())
                            + " is not restored from the checkpoint by the SavedModel's restore ops, so its value is unknown");
                }
                vars.add(n.getName());
            }
        }
        Map<String, TensorProto> out = new HashMap<>();
        if (vars.isEmpty()) {
            return out;
        }
        Path prefix = dir.resolve("variables").resolve("variables");
        if (!Files.isRegularFile(dir.resolve("variables").resolve("variables.index"))) {
            throw new ModelLoadException(dir, "the graph has " + vars.size() + " variables but the folder has no variables/variables.index");
        }
        String[] keys = new String[vars.size()], slices = new String[vars.size()];
        DataType[] types = new DataType[vars.size()];
        for (int i = 0; i < vars.size(); i++) {
            Entry e = entries.get(vars.get(i));
            keys[i] = e.key();
            slices[i] = e.slice();
            types[i] = e.type();
        }
        try (Graph g = new Graph(); Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            GraphOperationBuilder b = g.opBuilder("RestoreV2", "restore", tf.scope())
                    .addInput(tf.constant(prefix.toString()).asOutput())
                    .addInput(tf.constant(NdArrays.vectorOfObjects(keys)).asOutput())
                    .addInput(tf.constant(NdArrays.vectorOfObjects(slices)).asOutput());
            b.setAttr("dtypes", types);
            GraphOperation r = b.build();
            Session.Runner run = s.runner();
            for (int i = 0; i < vars.size(); i++) {
                run.fetch(r.output(i));
            }
            try (Result res = run.run()) {
                for (int i = 0; i < vars.size(); i++) {
                    out.put(vars.get(i), TfFiles.proto(res.get(i)));
                }
            }
        } catch (RuntimeException e) {
            throw new ModelLoadException(dir, "its variables could not be read (" + Printable.name(firstLine(e.getMessage())) + ")", e);
        }
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no reason given";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    /** The string values of a constant (through Identity), or null. */
    private static List<String> strings(Map<String, NodeDef> byName, String input) {
        NodeDef c = throughIdentity(byName, input);
        if (c == null || !c.getOp().equals("Const") || !c.containsAttr("value")) {
            return null;
        }
        TensorProto t = c.getAttrOrThrow("value").getTensor();
        if (t.getDtype() != DataType.DT_STRING) {
            return null;
        }
        List<String> out = new ArrayList<>();
        t.getStringValList().forEach(v -> out.add(v.toStringUtf8()));
        return out.isEmpty() && !t.getTensorContent().isEmpty() ? encodedStrings(t) : out;
    }

    /**
     * Strings packed into {@code tensor_content}, as TensorFlow's C API writes them (TensorFlow Java's
     * constants): one varint length per element, then the bytes of all of them; null if the content
     * does not add up.
     */
    static List<String> encodedStrings(TensorProto t) {
        long n = 1;
        for (var d : t.getTensorShape().getDimList()) {
            n *= Math.max(0, d.getSize());
        }
        ByteString content = t.getTensorContent();
        if (n > content.size()) {
            return null;
        }
        try {
            CodedInputStream in = content.newCodedInput();
            int[] lengths = new int[(int) n];
            long total = 0;
            for (int i = 0; i < n; i++) {
                lengths[i] = in.readRawVarint32();
                total += lengths[i];
            }
            if (lengths.length > 0 && (total < 0 || total != content.size() - in.getTotalBytesRead())) {
                return null;
            }
            List<String> out = new ArrayList<>();
            for (int len : lengths) {
                out.add(new String(in.readRawBytes(len), StandardCharsets.UTF_8));
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The node behind an input, through Identity nodes; null if none. */
    private static NodeDef throughIdentity(Map<String, NodeDef> byName, String input) {
        String name = TfPruning.nodeOf(input);
        for (int depth = 0; depth < 16; depth++) {
            NodeDef n = byName.get(name);
            if (n == null || !n.getOp().equals("Identity") || n.getInputCount() == 0) {
                return n;
            }
            name = TfPruning.nodeOf(n.getInput(0));
        }
        return null;
    }

    /** The tensor ({@code node:i}) behind an input, through Identity nodes. */
    private static String source(Map<String, NodeDef> byName, String input) {
        String tensor = input;
        for (int depth = 0; depth < 16; depth++) {
            NodeDef n = byName.get(TfPruning.nodeOf(tensor));
            if (n == null) {
                return null;
            }
            if (!n.getOp().equals("Identity") || n.getInputCount() == 0) {
                return tensor.contains(":") ? tensor : tensor + ":0";
            }
            tensor = n.getInput(0);
        }
        return null;
    }
}
