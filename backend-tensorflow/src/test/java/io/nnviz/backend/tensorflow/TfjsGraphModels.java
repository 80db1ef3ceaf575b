package io.nnviz.backend.tensorflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TString;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Real pretrained TensorFlow.js graph models (a tfjs model.json is a TensorFlow GraphDef in JSON
 * with its constants' values in weight shards) turned into the two TensorFlow files users have:
 * a frozen GraphDef ({@code .pb}, weights as constants) and a TensorFlow 2 SavedModel laid out as
 * TF 2 exports it: the model in a function of the graph's library, called by a
 * {@code StatefulPartitionedCall} that captures one resource variable per weight, the variables
 * saved by TensorFlow's own {@code SaveV2} into {@code variables/}, a saver that restores them and
 * a {@code serving_default} signature. Fused ops ({@code _FusedConv2D}, {@code _FusedMatMul}) stay
 * as the converter left them.
 */
final class TfjsGraphModels {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A parsed tfjs graph model: its nodes, its weights' values as tensors, its input and output. */
    record Parsed(List<NodeDef> nodes, Map<String, TensorProto> weights, NodeDef input, NodeDef output) {
    }

    private TfjsGraphModels() {
    }

    static Parsed parse(Path dir) throws IOException {
        JsonNode model = JSON.readTree(dir.resolve("model.json").toFile());
        Map<String, TensorProto> weights = weights(dir, model.get("weightsManifest"));
        List<NodeDef> nodes = new ArrayList<>();
        NodeDef input = null, output = null;
        for (JsonNode n : model.get("modelTopology").get("node")) {
            NodeDef.Builder b = NodeDef.newBuilder().setName(n.get("name").asText()).setOp(n.get("op").asText());
            if (n.has("input")) {
                n.get("input").forEach(i -> b.addInput(i.asText()));
            }
            Iterator<Map.Entry<String, JsonNode>> attrs = n.has("attr") ? n.get("attr").fields() : java.util.Collections.emptyIterator();
            while (attrs.hasNext()) {
                Map.Entry<String, JsonNode> a = attrs.next();
                AttrValue v = attr(a.getValue());
                if (v != null) {
                    b.putAttr(a.getKey(), v);
                }
            }
            if (b.getOp().equals("_FusedConv2D") && !b.containsAttr("TArgs")) {
                // TensorFlow requires it (one type per extra argument); the tfjs converter drops it
                AttrValue.ListValue.Builder types = AttrValue.ListValue.newBuilder();
                for (long k = 0; k < b.getAttrOrThrow("num_args").getI(); k++) {
                    types.addType(b.getAttrOrThrow("T").getType());
                }
                b.putAttr("TArgs", AttrValue.newBuilder().setList(types).build());
            }
            if (b.getOp().equals("Const")) {
                TensorProto t = weights.get(b.getName());
                if (t == null) {
                    throw new IOException(dir + ": no weight for constant " + b.getName());
                }
                b.putAttr("value", AttrValue.newBuilder().setTensor(t).build()).putAttr("dtype", AttrValue.newBuilder().setType(t.getDtype()).build());
            }
            NodeDef node = b.build();
            nodes.add(node);
            if (input == null && node.getOp().equals("Placeholder")) {
                input = node;
            }
            if (node.getName().equals("Identity")) {
                output = node;
            }
        }
        return new Parsed(nodes, weights, input, output == null ? nodes.get(nodes.size() - 1) : output);
    }

    /** An AttrValue from tfjs's JSON form of it (protobuf's JSON mapping); null for an empty one (the op's default stands). */
    private static AttrValue attr(JsonNode j) {
        AttrValue.Builder v = AttrValue.newBuilder();
        if (j.has("type")) {
            v.setType(DataType.valueOf(j.get("type").asText()));
        } else if (j.has("i")) {
            v.setI(j.get("i").asLong());
        } else if (j.has("f")) {
            v.setF((float) j.get("f").asDouble());
        } else if (j.has("b")) {
            v.setB(j.get("b").asBoolean());
        } else if (j.has("s")) {
            v.setS(ByteString.copyFrom(Base64.getDecoder().decode(j.get("s").asText())));
        } else if (j.has("shape")) {
            v.setShape(shape(j.get("shape")));
        } else if (j.has("list")) {
            AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
            JsonNode list = j.get("list");
            if (list.has("i")) {
                list.get("i").forEach(x -> l.addI(x.asLong()));
            }
            if (list.has("s")) {
                list.get("s").forEach(x -> l.addS(ByteString.copyFrom(Base64.getDecoder().decode(x.asText()))));
            }
            if (list.has("f")) {
                list.get("f").forEach(x -> l.addF((float) x.asDouble()));
            }
            if (list.has("type")) {
                list.get("type").forEach(x -> l.addType(DataType.valueOf(x.asText())));
            }
            v.setList(l);
        } else if (j.has("tensor")) {
            return null; // a constant's value: filled from the weights
        } else {
            return null;
        }
        return v.build();
    }

    private static TensorShapeProto shape(JsonNode s) {
        TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
        if (s.has("unknownRank") && s.get("unknownRank").asBoolean()) {
            return b.setUnknownRank(true).build();
        }
        if (s.has("dim")) {
            s.get("dim").forEach(d -> b.addDim(TensorShapeProto.Dim.newBuilder().setSize(d.has("size") ? d.get("size").asLong() : -1)));
        }
        return b.build();
    }

    /** The weight shards' values as tensors: float32 and int32, float16-quantised ones widened to float32. */
    private static Map<String, TensorProto> weights(Path dir, JsonNode manifest) throws IOException {
        Map<String, TensorProto> out = new LinkedHashMap<>();
        for (JsonNode group : manifest) {
            java.io.ByteArrayOutputStream blob = new java.io.ByteArrayOutputStream();
            for (JsonNode p : group.get("paths")) {
                blob.write(Files.readAllBytes(dir.resolve(p.asText())));
            }
            ByteBuffer b = ByteBuffer.wrap(blob.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            for (JsonNode w : group.get("weights")) {
                TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
                long n = 1;
                for (JsonNode d : w.get("shape")) {
                    shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d.asLong()));
                    n *= d.asLong();
                }
                String q = w.has("quantization") ? w.get("quantization").get("dtype").asText() : null;
                ByteBuffer values = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
                DataType type = w.get("dtype").asText().equals("int32") ? DataType.DT_INT32 : DataType.DT_FLOAT;
                for (long i = 0; i < n; i++) {
                    if ("float16".equals(q)) {
                        values.putFloat(half(b.getShort() & 0xFFFF));
                    } else if (q != null) {
                        throw new IOException(dir + ": quantization " + q + " of " + w.get("name").asText() + " is not read here");
                    } else {
                        values.putInt(b.getInt());
                    }
                }
                out.put(w.get("name").asText(), TensorProto.newBuilder().setDtype(type).setTensorShape(shape)
                        .setTensorContent(ByteString.copyFrom(values.array())).build());
            }
        }
        return out;
    }

    private static float half(int bits) {
        int sign = (bits & 0x8000) << 16, exp = (bits >>> 10) & 0x1F, mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | mant << 13);
        }
        return exp == 0 ? (sign != 0 ? -1 : 1) * mant * 0x1p-24f : Float.intBitsToFloat(sign | (exp + 112) << 23 | mant << 13);
    }

    /** The model as a frozen GraphDef file. */
    static Path frozen(Parsed m, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, GraphDef.newBuilder().addAllNode(m.nodes()).build().toByteArray());
        return file;
    }

    private static boolean isVariable(NodeDef n, Parsed m) {
        if (!n.getOp().equals("Const")) {
            return false;
        }
        TensorProto t = m.weights().get(n.getName());
        return t.getDtype() == DataType.DT_FLOAT && t.getTensorShape().getDimCount() > 0;
    }

    /** The model as a TensorFlow 2 SavedModel in {@code dir}; its input is the tfjs placeholder, its output {@code Identity}. */
    static Path savedModel(Parsed m, Path dir, String functionName) throws IOException {
        Map<String, FunctionDef> none = Map.of();
        TfOpArgs args = new TfOpArgs(none);
        Map<String, NodeDef> byName = new HashMap<>();
        List<NodeDef> vars = new ArrayList<>();
        for (NodeDef n : m.nodes()) {
            byName.put(n.getName(), n);
            if (isVariable(n, m)) {
                vars.add(n);
            }
        }
        String inputArg = "input";
        // the function: the model's nodes, each float weight read from a resource argument
        OpDef.Builder sig = OpDef.newBuilder().setName(functionName).setIsStateful(true)
                .addInputArg(OpDef.ArgDef.newBuilder().setName(inputArg).setType(DataType.DT_FLOAT));
        Map<String, String> varArg = new HashMap<>();
        for (int i = 0; i < vars.size(); i++) {
            String a = "resource_" + i;
            varArg.put(vars.get(i).getName(), a);
            sig.addInputArg(OpDef.ArgDef.newBuilder().setName(a).setType(DataType.DT_RESOURCE));
        }
        sig.addOutputArg(OpDef.ArgDef.newBuilder().setName("output_0").setType(DataType.DT_FLOAT));
        FunctionDef.Builder f = FunctionDef.newBuilder();
        for (NodeDef n : m.nodes()) {
            if (n == m.input()) {
                continue;
            }
            NodeDef.Builder b;
            if (varArg.containsKey(n.getName())) {
                b = NodeDef.newBuilder().setName(n.getName()).setOp("ReadVariableOp").addInput(varArg.get(n.getName()))
                        .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build());
            } else {
                b = n.toBuilder().clearInput();
                for (String in : n.getInputList()) {
                    b.addInput(bodyRef(in, m, byName, varArg, args, inputArg));
                }
            }
            f.addNodeDef(b);
        }
        f.putRet("output_0", bodyRef(m.output().getName(), m, byName, varArg, args, inputArg));
        f.setSignature(sig);

        // the outer graph: input, one VarHandleOp per weight, the call, its output; a saver
        String in = m.input().getName();
        List<NodeDef> saved = new ArrayList<>(), init = new ArrayList<>();
        saved.add(m.input());
        NodeDef.Builder call = NodeDef.newBuilder().setName("StatefulPartitionedCall").setOp("StatefulPartitionedCall").addInput(in)
                .putAttr("f", AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName(functionName)).build())
                .putAttr("config", str("")).putAttr("config_proto", str("")).putAttr("executor_type", str(""));
        AttrValue.ListValue.Builder tin = AttrValue.ListValue.newBuilder().addType(DataType.DT_FLOAT);
        NodeDef.Builder restoreAll = NodeDef.newBuilder().setName("save/restore_all").setOp("NoOp");
        NodeDef.Builder initAll = NodeDef.newBuilder().setName("init/all").setOp("NoOp");
        NodeDef.Builder saveV2 = NodeDef.newBuilder().setName("save/SaveV2").setOp("SaveV2").addInput("saver_filename")
                .addInput("save/tensor_names").addInput("save/shape_and_slices");
        NodeDef.Builder restoreV2 = NodeDef.newBuilder().setName("save/RestoreV2").setOp("RestoreV2").addInput("saver_filename")
                .addInput("save/tensor_names").addInput("save/shape_and_slices");
        TensorProto.Builder names = TensorProto.newBuilder().setDtype(DataType.DT_STRING)
                .setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(vars.size())));
        TensorProto.Builder slices = names.clone();
        AttrValue.ListValue.Builder dtypes = AttrValue.ListValue.newBuilder();
        for (int i = 0; i < vars.size(); i++) {
            NodeDef v = vars.get(i);
            String handle = "variable_" + i;
            TensorProto value = m.weights().get(v.getName());
            saved.add(NodeDef.newBuilder().setName(handle).setOp("VarHandleOp")
                    .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
                    .putAttr("shape", AttrValue.newBuilder().setShape(value.getTensorShape()).build())
                    .putAttr("shared_name", str(handle)).putAttr("container", str("")).build());
            call.addInput(handle);
            tin.addType(DataType.DT_RESOURCE);
            names.addStringVal(ByteString.copyFromUtf8(v.getName()));
            slices.addStringVal(ByteString.EMPTY);
            dtypes.addType(DataType.DT_FLOAT);
            saved.add(NodeDef.newBuilder().setName("save/read_" + i).setOp("ReadVariableOp").addInput(handle)
                    .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build()).build());
            saveV2.addInput("save/read_" + i);
            saved.add(NodeDef.newBuilder().setName("save/assign_" + i).setOp("AssignVariableOp").addInput(handle)
                    .addInput("save/RestoreV2" + (i == 0 ? "" : ":" + i)).putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build()).build());
            restoreAll.addInput("^save/assign_" + i);
            init.add(NodeDef.newBuilder().setName("init/value_" + i).setOp("Const").putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
                    .putAttr("value", AttrValue.newBuilder().setTensor(value).build()).build());
            init.add(NodeDef.newBuilder().setName("init/assign_" + i).setOp("AssignVariableOp").addInput(handle).addInput("init/value_" + i)
                    .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build()).build());
            initAll.addInput("^init/assign_" + i);
        }
        call.putAttr("Tin", AttrValue.newBuilder().setList(tin).build())
                .putAttr("Tout", AttrValue.newBuilder().setList(AttrValue.ListValue.newBuilder().addType(DataType.DT_FLOAT)).build());
        saved.add(call.build());
        saved.add(NodeDef.newBuilder().setName("Identity").setOp("Identity").addInput("StatefulPartitionedCall")
                .putAttr("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build()).build());
        saved.add(NodeDef.newBuilder().setName("saver_filename").setOp("Placeholder")
                .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_STRING).build())
                .putAttr("shape", AttrValue.newBuilder().setShape(TensorShapeProto.getDefaultInstance()).build()).build());
        saved.add(TfFreezing.constant("save/tensor_names", names.build(), List.of(), ""));
        saved.add(TfFreezing.constant("save/shape_and_slices", slices.build(), List.of(), ""));
        saved.add(saveV2.putAttr("dtypes", AttrValue.newBuilder().setList(dtypes).build()).build());
        saved.add(NodeDef.newBuilder().setName("save/control_dependency").setOp("Identity").addInput("saver_filename").addInput("^save/SaveV2")
                .putAttr("T", AttrValue.newBuilder().setType(DataType.DT_STRING).build()).build());
        saved.add(restoreV2.putAttr("dtypes", AttrValue.newBuilder().setList(dtypes).build()).build());
        saved.add(restoreAll.build());
        GraphDef graph = GraphDef.newBuilder().addAllNode(saved).setLibrary(FunctionDefLibrary.newBuilder().addFunction(f)).build();

        // TensorFlow writes the checkpoint: the variables set from the weights, then SaveV2
        Path variables = Files.createDirectories(dir.resolve("variables"));
        try (Graph g = new Graph()) {
            g.importGraphDef(graph.toBuilder().addAllNode(init).addNode(initAll).build());
            try (Session s = new Session(g); TString prefix = TString.scalarOf(variables.resolve("variables").toString())) {
                s.runner().addTarget("init/all").run().close();
                s.runner().feed("saver_filename", prefix).addTarget("save/SaveV2").run().close();
            }
        }
        TensorInfo input = TensorInfo.newBuilder().setName(in + ":0").setDtype(DataType.DT_FLOAT)
                .setTensorShape(m.input().getAttrOrThrow("shape").getShape()).build();
        TensorInfo output = TensorInfo.newBuilder().setName("Identity:0").setDtype(DataType.DT_FLOAT).build();
        MetaGraphDef meta = MetaGraphDef.newBuilder()
                .setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags("serve").setTensorflowVersion(TensorFlow.version()))
                .setGraphDef(graph)
                .setSaverDef(SaverDef.newBuilder().setFilenameTensorName("saver_filename:0").setSaveTensorName("save/control_dependency:0")
                        .setRestoreOpName("save/restore_all").setVersion(SaverDef.CheckpointFormatVersion.V2))
                .putSignatureDef("serving_default", SignatureDef.newBuilder().putInputs(in, input).putOutputs("output_0", output)
                        .setMethodName("tensorflow/serving/predict").build())
                .build();
        Files.write(dir.resolve("saved_model.pb"), SavedModel.newBuilder().setSavedModelSchemaVersion(1).addMetaGraphs(meta).build().toByteArray());
        return dir;
    }

    private static AttrValue str(String s) {
        return AttrValue.newBuilder().setS(ByteString.copyFromUtf8(s)).build();
    }

    /** A graph input reference ({@code node}, {@code node:k}, {@code ^node}) as a function body reference. */
    private static String bodyRef(String in, Parsed m, Map<String, NodeDef> byName, Map<String, String> varArg, TfOpArgs args,
                                  String inputArg) {
        if (in.startsWith("^")) {
            return in;
        }
        String node = in.contains(":") ? in.substring(0, in.indexOf(':')) : in;
        int k = in.contains(":") ? Integer.parseInt(in.substring(in.indexOf(':') + 1)) : 0;
        if (node.equals(m.input().getName())) {
            return inputArg;
        }
        if (varArg.containsKey(node)) {
            return node + ":value:0";
        }
        return node + ":" + args.argName(byName.get(node), k);
    }
}
