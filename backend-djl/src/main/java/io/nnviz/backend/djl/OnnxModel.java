package io.nnviz.backend.djl;

import ai.onnx.proto.OnnxMl;
import io.nnviz.api.Capability;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX file's graph, read from its protobuf ({@link OnnxGraph}: ONNX Runtime exposes only
 * inputs and outputs), with shapes from the file and inferred ({@link OnnxShapes}). Activations of
 * any top-level node come from ONNX Runtime through DJL's engine
 * ({@code ai.djl.onnxruntime:onnxruntime-engine}, the application's choice like every engine): the
 * model is run as a copy whose graph outputs also name the tensors asked for, so the values are
 * ONNX Runtime's own. Models with several inputs (BERT-style {@code input_ids},
 * {@code attention_mask}, ...) take them by name. ONNX Runtime computes no gradients here:
 * attribution for ONNX models is forward-only ({@code io.nnviz.api.attribution.Occlusion}).
 */
public final class OnnxModel extends AbstractModel {
    private final OnnxMl.ModelProto proto;
    private final OnnxGraph graph;
    private final OnnxShapes shapes;
    private final Path file;
    private final Set<String> graphOutputs;
    /** The extra outputs the current runtime exposes, and the runtime; rebuilt with the union when more are asked for. */
    private List<String> exposed = List.of();
    private ai.djl.Model runtime;
    private Path runtimeCopy;
    private static final int MAX_EXPOSED = 4096;

    /** True for a randomised copy, whose file is a temporary one of its own (deleted on close). */
    private final boolean ownsFile;

    private OnnxModel(String name, OnnxGraph g, Map<String, String> props, OnnxMl.ModelProto proto, OnnxShapes shapes, Path file) {
        this(name, g, props, proto, shapes, file, false);
    }

    private OnnxModel(String name, OnnxGraph g, Map<String, String> props, OnnxMl.ModelProto proto, OnnxShapes shapes, Path file,
                      boolean ownsFile) {
        super(name, "ONNX", g.layers, g.edges, g.groups, props,
                EnumSet.of(Capability.WEIGHTS, Capability.ACTIVATIONS, Capability.WEIGHT_RANDOMIZATION));
        this.ownsFile = ownsFile;
        this.proto = proto;
        this.graph = g;
        this.shapes = shapes;
        this.file = file;
        Set<String> outs = new java.util.LinkedHashSet<>();
        proto.getGraph().getOutputList().forEach(o -> outs.add(o.getName()));
        this.graphOutputs = outs;
    }

    /** Reads an ONNX file; anything that is not one is a {@link ModelLoadException} naming it. */
    static OnnxModel load(Path path) {
        return load(path, Map.of());
    }

    /**
     * Reads an ONNX file, taking {@code inputShapes} (input name to dimensions, -1 for free ones)
     * instead of the file's declared input shapes where given.
     */
    static OnnxModel load(Path path, Map<String, long[]> inputShapes) {
        return load(path, inputShapes, io.nnviz.api.LoadOptions.defaultMemoryBudget());
    }

    /** As {@link #load(Path, Map)}; the file and every tensor it declares checked against {@code budget} first. */
    static OnnxModel load(Path path, Map<String, long[]> inputShapes, long budget) {
        long size = io.nnviz.api.spi.SafeFiles.requireRegularFile(path);
        if (size > budget / 2) { // the parsed model holds the file's bytes once more
            throw new io.nnviz.api.ModelTooLargeException(path, "the file", 2 * size, budget);
        }
        OnnxMl.ModelProto model;
        try (InputStream in = Files.newInputStream(path)) {
            // no field can be longer than the file: a length claiming more fails at once, before any allocation
            com.google.protobuf.CodedInputStream coded = com.google.protobuf.CodedInputStream.newInstance(in);
            coded.setSizeLimit((int) Math.min(size, Integer.MAX_VALUE));
            model = OnnxMl.ModelProto.parseFrom(coded);
        } catch (IOException | RuntimeException e) { // protobuf's decoder throws unchecked exceptions on damaged lengths too (TfFiles)
            throw new ModelLoadException(path, "not an ONNX model (" + e.getMessage() + ")", e);
        }
        model = OnnxTensorChecks.check(path, model, budget);
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new ModelLoadException(path, "not an ONNX model (no graph nodes)");
        }
        OnnxShapes shapes = OnnxShapes.of(model, inputShapes(path, model, inputShapes));
        OnnxGraph g = OnnxGraph.read(model, shapes);
        Map<String, String> props = new LinkedHashMap<>();
        props.put("producer", (model.getProducerName() + " " + model.getProducerVersion()).trim());
        props.put("ir version", String.valueOf(model.getIrVersion()));
        StringBuilder opsets = new StringBuilder();
        for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
            opsets.append(opsets.length() == 0 ? "" : ", ").append(o.getDomain().isEmpty() ? "ai.onnx" : o.getDomain())
                    .append(' ').append(o.getVersion());
        }
        props.put("opsets", opsets.toString());
        props.put("nodes", String.valueOf(g.nodes));
        props.put("inputs", g.inputs.keySet().toString());
        props.put("activations", "any top-level node, through DJL's ONNX Runtime engine; attribution by occlusion (no gradients)");
        return new OnnxModel(path.getFileName().toString(), g, props, model, shapes, path);
    }

    /** The shapes given, by the graph's input names ({@link io.nnviz.api.LoadOptions#FIRST_INPUT} is the first); a name it lacks is an error. */
    private static Map<String, long[]> inputShapes(Path path, OnnxMl.ModelProto model, Map<String, long[]> given) {
        Set<String> initializers = new java.util.HashSet<>();
        model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        List<String> inputs = model.getGraph().getInputList().stream().map(OnnxMl.ValueInfoProto::getName)
                .filter(n -> !initializers.contains(n)).toList();
        Map<String, long[]> out = new LinkedHashMap<>();
        given.forEach((name, dims) -> {
            String n = name.equals(io.nnviz.api.LoadOptions.FIRST_INPUT) && !inputs.isEmpty() ? inputs.get(0) : name;
            if (!inputs.contains(n)) {
                throw new InvalidInputException(path.getFileName() + " has no input '" + name + "'; its inputs are " + inputs);
            }
            out.put(n, dims);
        });
        return out;
    }

    static long[] dims(OnnxMl.TensorProto t) {
        long[] d = new long[t.getDimsCount()];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.getDims(i);
        }
        return d;
    }

    /** The values of a floating-point tensor (raw data or typed fields; float16, bfloat16 and double widened or narrowed to float). */
    static float[] values(OnnxMl.TensorProto t) {
        ByteBuffer raw = t.getRawData().isEmpty() ? null : t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        switch (t.getDataType()) {
            case OnnxShapes.DOUBLE -> {
                if (raw != null) {
                    float[] f = new float[raw.remaining() / 8];
                    for (int i = 0; i < f.length; i++) {
                        f[i] = (float) raw.getDouble();
                    }
                    return f;
                }
                float[] f = new float[t.getDoubleDataCount()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) t.getDoubleData(i);
                }
                return f;
            }
            case OnnxShapes.FLOAT16, OnnxShapes.BFLOAT16 -> {
                boolean bf = t.getDataType() == OnnxShapes.BFLOAT16;
                int n = raw != null ? raw.remaining() / 2 : t.getInt32DataCount();
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    int bits = raw != null ? raw.getShort() & 0xFFFF : t.getInt32Data(i) & 0xFFFF;
                    f[i] = bf ? Float.intBitsToFloat(bits << 16) : half(bits);
                }
                return f;
            }
            default -> {
                if (raw != null) {
                    float[] f = new float[raw.remaining() / 4];
                    raw.asFloatBuffer().get(f);
                    return f;
                }
                float[] f = new float[t.getFloatDataCount()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = t.getFloatData(i);
                }
                return f;
            }
        }
    }

    /** IEEE 754 half precision to float (Java 17 has no Float.float16ToFloat). */
    static float half(int bits) {
        int sign = (bits & 0x8000) << 16, exp = (bits >>> 10) & 0x1F, mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | mant << 13); // infinity, NaN
        }
        if (exp == 0) {
            return (sign != 0 ? -1 : 1) * mant * 0x1p-24f; // zero and subnormals
        }
        return Float.intBitsToFloat(sign | (exp + 112) << 23 | mant << 13);
    }

    /** The float parameters the file holds, each counted once. */
    public long floatParameters() {
        return graph.parameters;
    }

    /** The graph's inputs that are fed, in order, with their ONNX element types. */
    public Map<String, Integer> inputs() {
        return java.util.Collections.unmodifiableMap(graph.inputs);
    }

    /** The shape of a tensor as the file declares or nnviz infers it, symbols and unknowns written as such ("[batch_size, 128]"). */
    public String shapeOf(String tensor) {
        OnnxShapes.Info i = shapes.get(tensor);
        return i == null ? "?" : i.toString();
    }

    /** The tensor a layer outputs (its node's first output; an input's own name). */
    public String outputTensor(String layerId) {
        String t = graph.outputTensor.get(layerId);
        if (t == null) {
            throw new InvalidInputException("model '" + name() + "' has no layer '" + layerId + "'");
        }
        return t;
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        List<WeightTensor> out = new ArrayList<>();
        List<OnnxMl.TensorProto> ts = graph.weights.getOrDefault(layer.id(), List.of());
        for (int i = 0; i < ts.size(); i++) {
            OnnxMl.TensorProto t = ts.get(i);
            WeightSpec spec = layer.weights().get(i);
            float[] v = values(t);
            if (v.length != spec.shape().size()) {
                throw new io.nnviz.api.BackendException("tensor '" + t.getName() + "' of layer '" + layer.id() + "' declares shape "
                        + spec.shape() + " but holds " + v.length + " values");
            }
            out.add(WeightTensor.of(layer.id(), t.getName(), spec.role(), Tensor.adopt(spec.shape(), v)));
        }
        return out;
    }

    /** The file the model was read from (for a randomised copy, its temporary file). */
    Path file() {
        return file;
    }

    /**
     * The model with the listed layers' tensors shuffled ({@link OnnxShuffledWeights}), written
     * to a temporary file of the copy's own for ONNX Runtime, with every tensor in it: the
     * original's external data, already read in, goes with it.
     */
    @Override
    protected io.nnviz.api.ModelView doWithShuffledWeights(List<LayerInfo> layers, long seed) {
        Map<String, List<OnnxMl.TensorProto>> byLayer = new LinkedHashMap<>();
        for (LayerInfo l : layers) {
            byLayer.put(l.id(), graph.weights.getOrDefault(l.id(), List.of()));
        }
        OnnxMl.ModelProto shuffled = OnnxShuffledWeights.of(proto, byLayer, seed);
        Path tmp = null;
        try {
            tmp = Files.createTempFile("nnviz-onnx-shuffled-", ".onnx");
            try (var out = Files.newOutputStream(tmp)) {
                shuffled.writeTo(out);
            }
            return new OnnxModel(name() + " (shuffled " + layers.size() + " layers)", OnnxGraph.read(shuffled, shapes), properties(),
                    shuffled, shapes, tmp, true);
        } catch (IOException | RuntimeException e) {
            if (tmp != null) {
                tmp.toFile().delete();
            }
            throw new io.nnviz.api.BackendException("could not write the shuffled copy of '" + name() + "': " + e.getMessage(), e);
        }
    }

    @Override
    protected Map<String, Tensor> doActivations(Tensor input, List<LayerInfo> layers) {
        if (graph.inputs.size() != 1) {
            throw new InvalidInputException("model '" + name() + "' takes " + graph.inputs.size() + " inputs " + graph.inputs.keySet()
                    + ": give them by name, activations(Map.of(\"" + graph.inputs.keySet().iterator().next() + "\", ...), layers)");
        }
        return doActivations(Map.of(graph.inputs.keySet().iterator().next(), input), layers);
    }

    @Override
    protected Map<String, Tensor> doActivations(Map<String, Tensor> given, List<LayerInfo> layers) {
        Map<String, Tensor> byInput = new LinkedHashMap<>();
        for (String name : graph.inputs.keySet()) {
            Tensor t = given.containsKey(name) ? given.get(name) : given.get("input:" + name);
            if (t == null) {
                throw new InvalidInputException("model '" + name() + "' needs input '" + name + "'; given " + given.keySet());
            }
            byInput.put(name, t);
        }
        for (String k : given.keySet()) {
            if (!byInput.containsKey(k) && !(k.startsWith("input:") && byInput.containsKey(k.substring(6)))) {
                throw new InvalidInputException("model '" + name() + "' has no input '" + k + "'; its inputs are " + graph.inputs.keySet());
            }
        }
        Map<String, String> tensorOf = new LinkedHashMap<>();
        List<String> inSubgraph = new ArrayList<>();
        for (LayerInfo l : layers) {
            String t = graph.outputTensor.get(l.id());
            if (l.groupId() != null && l.groupId().contains("/")) {
                inSubgraph.add(l.id());
            }
            tensorOf.put(l.id(), t);
        }
        if (!inSubgraph.isEmpty()) {
            throw new UnsupportedCapabilityException(name(), Capability.ACTIVATIONS, "ONNX Runtime exposes only top-level tensors; "
                    + inSubgraph + " are inside If/Loop/Scan subgraphs");
        }
        List<String> wanted = tensorOf.values().stream().filter(t -> t != null && !graph.inputs.containsKey(t)).distinct().toList();
        Map<String, Tensor> values = run(byInput, wanted);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : tensorOf.entrySet()) {
            String t = e.getValue();
            out.put(e.getKey(), graph.inputs.containsKey(t) ? byInput.get(t) : values.get(t));
        }
        return out;
    }

    /** Runs the model on the inputs and returns the values of {@code tensors}, by name. */
    private synchronized Map<String, Tensor> run(Map<String, Tensor> inputs, List<String> tensors) {
        List<String> extra = tensors.stream().filter(t -> !graphOutputs.contains(t)).toList();
        if (!exposed.containsAll(extra)) {
            List<String> union = new ArrayList<>(exposed);
            extra.stream().filter(t -> !union.contains(t)).forEach(union::add);
            if (union.size() > MAX_EXPOSED) {
                union.retainAll(extra); // never grow without bound: expose only what this call needs
            }
            closeRuntime();
            exposed = List.copyOf(union);
        }
        ai.djl.Model m = runtime();
        try (ai.djl.ndarray.NDManager manager = m.getNDManager().newSubManager();
             ai.djl.inference.Predictor<ai.djl.ndarray.NDList, ai.djl.ndarray.NDList> p = m.newPredictor(new ai.djl.translate.NoopTranslator())) {
            ai.djl.ndarray.NDList feed = new ai.djl.ndarray.NDList();
            for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
                feed.add(array(manager, e.getKey(), e.getValue(), graph.inputs.get(e.getKey())));
            }
            ai.djl.ndarray.NDList result = p.predict(feed);
            List<String> names = new ArrayList<>(graphOutputs);
            names.addAll(exposed);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String t : tensors) {
                int at = names.indexOf(t);
                if (at < 0 || at >= result.size()) {
                    throw new io.nnviz.api.BackendException("ONNX Runtime did not return tensor '" + t + "' of '" + name() + "'");
                }
                out.put(t, DjlModel.copy(result.get(at)));
            }
            result.close();
            return out;
        } catch (ai.djl.translate.TranslateException | ai.djl.engine.EngineException e) {
            throw new io.nnviz.api.BackendException("ONNX Runtime could not run '" + name() + "' on inputs " + shapes(inputs) + ": "
                    + e.getMessage(), e);
        }
    }

    private static String shapes(Map<String, Tensor> inputs) {
        Map<String, String> s = new LinkedHashMap<>();
        inputs.forEach((k, v) -> s.put(k, v.shape().toString()));
        return s.toString();
    }

    private ai.djl.ndarray.NDArray array(ai.djl.ndarray.NDManager manager, String name, Tensor t, int elem) {
        ai.djl.ndarray.types.DataType type = switch (elem) {
            case OnnxShapes.FLOAT -> ai.djl.ndarray.types.DataType.FLOAT32;
            case OnnxShapes.INT32 -> ai.djl.ndarray.types.DataType.INT32;
            case OnnxShapes.INT64 -> ai.djl.ndarray.types.DataType.INT64;
            case OnnxShapes.DOUBLE -> ai.djl.ndarray.types.DataType.FLOAT64;
            case OnnxShapes.BOOL -> ai.djl.ndarray.types.DataType.BOOLEAN;
            default -> throw new UnsupportedCapabilityException(name(), Capability.ACTIVATIONS, "input '" + name + "' has ONNX element"
                    + " type " + elem + "; activations feed float, double, int32, int64 or bool inputs");
        };
        long[] dims = new long[t.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.shape().dim(i);
        }
        ai.djl.ndarray.NDArray x = manager.create(t.toArray(), new ai.djl.ndarray.types.Shape(dims));
        if (type != ai.djl.ndarray.types.DataType.FLOAT32) {
            x = x.toType(type, false);
        }
        x.setName(name);
        return x;
    }

    /**
     * The runtime: the file itself when only graph outputs are wanted, else a copy of the model,
     * written next to nothing of the user's (a temporary file, deleted on close), whose graph also
     * outputs the exposed tensors.
     */
    private ai.djl.Model runtime() {
        if (runtime == null) {
            if (!ai.djl.engine.Engine.hasEngine("OnnxRuntime")) {
                throw new UnsupportedCapabilityException(name(), Capability.ACTIVATIONS, "activations of ONNX models need"
                        + " DJL's ONNX Runtime engine on the class path: add ai.djl.onnxruntime:onnxruntime-engine");
            }
            Path load = file;
            try {
                if (!exposed.isEmpty()) {
                    OnnxMl.GraphProto.Builder g = proto.getGraph().toBuilder();
                    for (String t : exposed) {
                        OnnxMl.ValueInfoProto.Builder v = OnnxMl.ValueInfoProto.newBuilder().setName(t);
                        OnnxShapes.Info info = shapes.get(t);
                        if (info != null && info.type() != 0) {
                            v.setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(info.type())));
                        }
                        g.addOutput(v);
                    }
                    runtimeCopy = Files.createTempFile("nnviz-onnx-", ".onnx");
                    try (var out = Files.newOutputStream(runtimeCopy)) {
                        proto.toBuilder().setGraph(g).build().writeTo(out);
                    }
                    load = runtimeCopy;
                }
                // straight from the file, not through a model repository (which warns about a file that is not an archive)
                runtime = ai.djl.Model.newInstance(name(), "OnnxRuntime");
                runtime.load(load);
            } catch (IOException | ai.djl.MalformedModelException | ai.djl.engine.EngineException e) {
                closeRuntime();
                throw new io.nnviz.api.BackendException("ONNX Runtime could not load " + file + ": " + e.getMessage(), e);
            }
        }
        return runtime;
    }

    private void closeRuntime() {
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
        if (runtimeCopy != null) {
            try {
                Files.deleteIfExists(runtimeCopy);
            } catch (IOException e) {
                runtimeCopy.toFile().deleteOnExit();
            }
            runtimeCopy = null;
        }
    }

    @Override
    protected synchronized void doClose() {
        closeRuntime();
        if (ownsFile) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                file.toFile().deleteOnExit();
            }
        }
    }
}
