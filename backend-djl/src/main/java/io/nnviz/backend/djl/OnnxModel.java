package io.nnviz.backend.djl;

import ai.onnx.proto.OnnxMl;
import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.Group;
import io.nnviz.api.Layer;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX file's graph, read from its protobuf (ONNX Runtime exposes only inputs and outputs):
 * every node a layer with its op type, edges from tensor names, initializers as weights with their
 * values, and the subgraphs of {@code If}, {@code Loop} and {@code Scan} nodes as nested groups.
 * Activations come from DJL's ONNX Runtime engine ({@code ai.djl.onnxruntime:onnxruntime-engine},
 * the application's choice like every engine): ONNX Runtime computes graph outputs only, so the
 * layers that produce the graph's outputs have activations, for models with one input.
 */
public final class OnnxModel extends AbstractModel {
    private final Map<String, List<OnnxMl.TensorProto>> initializersByLayer;
    private final Path file;
    /** The top-level graph's inputs (not initializers) with their ONNX element types, in order. */
    private final Map<String, Integer> inputTypes;
    /** Layer id -> index of the graph output it produces, for the top-level graph's outputs. */
    private final Map<String, Integer> outputIndex;
    private ai.djl.repository.zoo.ZooModel<ai.djl.ndarray.NDList, ai.djl.ndarray.NDList> runtime;

    private OnnxModel(String name, List<Layer> layers, List<Edge> edges, List<Group> groups, Map<String, String> props,
                      Map<String, List<OnnxMl.TensorProto>> inits, Path file, Map<String, Integer> inputTypes,
                      Map<String, Integer> outputIndex) {
        super(name, "ONNX", layers, edges, groups, props, EnumSet.of(Capability.WEIGHTS, Capability.ACTIVATIONS));
        this.initializersByLayer = inits;
        this.file = file;
        this.inputTypes = inputTypes;
        this.outputIndex = outputIndex;
    }

    /** Reads an ONNX file; anything that is not one is a {@link ModelLoadException} naming it. */
    static OnnxModel load(Path path) {
        OnnxMl.ModelProto model;
        try (InputStream in = Files.newInputStream(path)) {
            model = OnnxMl.ModelProto.parseFrom(in);
        } catch (IOException e) {
            throw new ModelLoadException(path, "not an ONNX model (" + e.getMessage() + ")", e);
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new ModelLoadException(path, "not an ONNX model (no graph nodes)");
        }
        Reader r = new Reader();
        r.graph(model.getGraph(), null, "");
        Map<String, String> props = new LinkedHashMap<>();
        props.put("producer", model.getProducerName() + " " + model.getProducerVersion());
        props.put("ir version", String.valueOf(model.getIrVersion()));
        StringBuilder opsets = new StringBuilder();
        for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
            opsets.append(opsets.length() == 0 ? "" : ", ").append(o.getDomain().isEmpty() ? "ai.onnx" : o.getDomain())
                    .append(' ').append(o.getVersion());
        }
        props.put("opsets", opsets.toString());
        props.put("nodes", String.valueOf(r.nodes));
        Map<String, Integer> inputTypes = new LinkedHashMap<>();
        Set<String> initNames = new HashSet<>();
        model.getGraph().getInitializerList().forEach(t -> initNames.add(t.getName()));
        for (OnnxMl.ValueInfoProto in : model.getGraph().getInputList()) {
            if (!initNames.contains(in.getName())) {
                inputTypes.put(in.getName(), in.hasType() && in.getType().hasTensorType() ? in.getType().getTensorType().getElemType() : 1);
            }
        }
        Map<String, Integer> outputIndex = new LinkedHashMap<>();
        for (int i = 0; i < model.getGraph().getOutputCount(); i++) {
            String producer = r.topLevelProducer.get(model.getGraph().getOutput(i).getName());
            if (producer != null) {
                outputIndex.putIfAbsent(producer, i);
            }
        }
        props.put("activations", "graph outputs (" + String.join(", ", outputIndex.keySet()) + ") through DJL's ONNX Runtime engine");
        return new OnnxModel(path.getFileName().toString(), r.layers, r.edges, r.groups, props, r.inits, path, inputTypes, outputIndex);
    }

    private static final class Reader {
        final List<Layer> layers = new ArrayList<>();
        final List<Edge> edges = new ArrayList<>();
        final List<Group> groups = new ArrayList<>();
        final Map<String, List<OnnxMl.TensorProto>> inits = new LinkedHashMap<>();
        final Map<String, String> producer = new HashMap<>();
        final Set<String> ids = new HashSet<>();
        final Set<String> claimed = new HashSet<>(); // a shared initializer counts once, at its first user
        final Map<String, String> topLevelProducer = new HashMap<>(); // tensor name -> layer id, top-level graph only
        int nodes;

        void graph(OnnxMl.GraphProto g, String group, String prefix) {
            Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();
            for (OnnxMl.TensorProto t : g.getInitializerList()) {
                initializers.put(t.getName(), t);
            }
            if (group == null) {
                for (OnnxMl.ValueInfoProto in : g.getInputList()) {
                    if (initializers.containsKey(in.getName())) {
                        continue;
                    }
                    String id = unique("input:" + in.getName());
                    layers.add(Layer.builder(id, LayerKind.INPUT).name(in.getName()).frameworkType("graph input")
                            .outputShape(shape(in)).build());
                    producer.put(in.getName(), id);
                }
            }
            for (int i = 0; i < g.getNodeCount(); i++) {
                OnnxMl.NodeProto n = g.getNode(i);
                nodes++;
                String id = unique(prefix + (n.getName().isEmpty() ? n.getOpType() + "_" + i : n.getName()));
                Layer.Builder b = Layer.builder(id, kind(n, initializers)).name(n.getName().isEmpty() ? id : n.getName())
                        .frameworkType(n.getDomain().isEmpty() ? n.getOpType() : n.getDomain() + "." + n.getOpType());
                if (group != null) {
                    b.group(group);
                }
                List<OnnxMl.TensorProto> mine = new ArrayList<>();
                for (int k = 0; k < n.getInputCount(); k++) {
                    String in = n.getInput(k);
                    OnnxMl.TensorProto t = initializers.get(in);
                    if (t != null) {
                        if (t.getDataType() == OnnxMl.TensorProto.DataType.FLOAT.getNumber() && t.getDimsCount() > 0
                                && claimed.add(prefix + t.getName())) {
                            b.weight(new WeightSpec(t.getName(), role(n, k), Shape.ofLongs(dims(t))));
                            mine.add(t);
                        }
                    } else if (producer.containsKey(in)) {
                        edges.add(new Edge(producer.get(in), id));
                    }
                }
                inits.put(id, mine);
                for (String out : n.getOutputList()) {
                    producer.put(out, id);
                    if (group == null) {
                        topLevelProducer.put(out, id);
                    }
                }
                for (OnnxMl.AttributeProto a : n.getAttributeList()) {
                    if (a.hasG()) {
                        String sub = id + "/" + a.getName();
                        graph(a.getG(), sub, sub + "/");
                        groups.add(new Group(sub, a.getName() + " of " + n.getOpType(), "subgraph", group, subMembers(sub)));
                    }
                    if (a.getType() == OnnxMl.AttributeProto.AttributeType.INT) {
                        b.attribute(a.getName(), a.getI());
                    } else if (a.getType() == OnnxMl.AttributeProto.AttributeType.INTS) {
                        b.attribute(a.getName(), a.getIntsList().toString());
                    }
                }
                layers.add(b.build());
            }
        }

        private List<String> subMembers(String group) {
            List<String> out = new ArrayList<>();
            for (Layer l : layers) {
                if (group.equals(l.groupId())) {
                    out.add(l.id());
                }
            }
            return out;
        }

        private String unique(String id) {
            String u = id;
            for (int k = 2; !ids.add(u); k++) {
                u = id + "#" + k;
            }
            return u;
        }
    }

    static long[] dims(OnnxMl.TensorProto t) {
        long[] d = new long[t.getDimsCount()];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.getDims(i);
        }
        return d;
    }

    private static Shape shape(OnnxMl.ValueInfoProto v) {
        if (!v.hasType() || !v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) {
            return null;
        }
        var dims = v.getType().getTensorType().getShape().getDimList();
        long[] d = new long[dims.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = dims.get(i).hasDimValue() ? dims.get(i).getDimValue() : -1;
        }
        return Shape.ofLongs(d);
    }

    static LayerKind kind(OnnxMl.NodeProto n, Map<String, OnnxMl.TensorProto> initializers) {
        String op = n.getOpType();
        return switch (op) {
            case "Conv", "ConvTranspose" -> LayerKind.CONV;
            case "Gemm", "MatMul" -> LayerKind.DENSE;
            case "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean" -> LayerKind.POOL;
            case "BatchNormalization", "LayerNormalization", "InstanceNormalization" -> LayerKind.NORM;
            case "Relu", "Gelu", "Sigmoid", "Tanh", "Softmax", "LeakyRelu", "Erf", "Elu" -> LayerKind.ACTIVATION;
            case "LSTM", "GRU", "RNN" -> LayerKind.RECURRENT;
            case "Dropout" -> LayerKind.DROPOUT;
            case "Attention", "MultiHeadAttention" -> LayerKind.ATTENTION;
            case "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Shape", "Slice", "Cast" -> LayerKind.RESHAPE;
            case "Concat", "Add", "Sum", "Mul" -> n.getInputList().stream().filter(i -> !initializers.containsKey(i)).count() >= 2
                    ? LayerKind.MERGE : LayerKind.OTHER;
            case "Gather" -> n.getInputCount() > 0 && initializers.containsKey(n.getInput(0)) ? LayerKind.EMBEDDING : LayerKind.OTHER;
            default -> LayerKind.OTHER;
        };
    }

    private static WeightRole role(OnnxMl.NodeProto n, int input) {
        return switch (n.getOpType()) {
            case "Conv", "ConvTranspose", "Gemm", "MatMul" -> input == 1 ? WeightRole.KERNEL : input == 2 ? WeightRole.BIAS : WeightRole.OTHER;
            case "Gather" -> input == 0 ? WeightRole.EMBEDDING : WeightRole.OTHER;
            case "BatchNormalization" -> switch (input) {
                case 1 -> WeightRole.GAMMA;
                case 2 -> WeightRole.BETA;
                case 3 -> WeightRole.RUNNING_MEAN;
                case 4 -> WeightRole.RUNNING_VAR;
                default -> WeightRole.OTHER;
            };
            case "LayerNormalization" -> input == 1 ? WeightRole.GAMMA : input == 2 ? WeightRole.BETA : WeightRole.OTHER;
            case "Add" -> WeightRole.BIAS;
            default -> WeightRole.OTHER;
        };
    }

    /** The values of a float initializer (raw data or float_data). */
    static float[] values(OnnxMl.TensorProto t) {
        if (!t.getRawData().isEmpty()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] f = new float[b.remaining() / 4];
            b.asFloatBuffer().get(f);
            return f;
        }
        float[] f = new float[t.getFloatDataCount()];
        for (int i = 0; i < f.length; i++) {
            f[i] = t.getFloatData(i);
        }
        return f;
    }

    @Override
    protected List<WeightTensor> doWeights(Layer layer) {
        List<WeightTensor> out = new ArrayList<>();
        List<OnnxMl.TensorProto> ts = initializersByLayer.getOrDefault(layer.id(), List.of());
        for (int i = 0; i < ts.size(); i++) {
            OnnxMl.TensorProto t = ts.get(i);
            WeightSpec spec = layer.weights().get(i);
            out.add(WeightTensor.of(layer.id(), t.getName(), spec.role(), Tensor.of(spec.shape(), values(t))));
        }
        return out;
    }

    @Override
    protected Map<String, Tensor> doActivations(Tensor input, List<Layer> layers) {
        List<String> missing = layers.stream().map(Layer::id).filter(id -> !outputIndex.containsKey(id)).toList();
        if (!missing.isEmpty()) {
            throw new io.nnviz.api.UnsupportedCapabilityException(name(), Capability.ACTIVATIONS, "ONNX Runtime computes graph outputs only: " + missing
                    + (missing.size() == 1 ? " is not one" : " are not") + "; the graph's outputs come from " + outputIndex.keySet());
        }
        if (inputTypes.size() != 1) {
            throw new io.nnviz.api.UnsupportedCapabilityException(name(), Capability.ACTIVATIONS, "it takes " + inputTypes.size()
                    + " inputs " + inputTypes.keySet() + "; activations feed one input tensor");
        }
        int elem = inputTypes.values().iterator().next();
        ai.djl.ndarray.types.DataType type = switch (elem) {
            case 1 -> ai.djl.ndarray.types.DataType.FLOAT32;
            case 6 -> ai.djl.ndarray.types.DataType.INT32;
            case 7 -> ai.djl.ndarray.types.DataType.INT64;
            case 11 -> ai.djl.ndarray.types.DataType.FLOAT64;
            default -> throw new io.nnviz.api.UnsupportedCapabilityException(name(), Capability.ACTIVATIONS, "its input has ONNX element"
                    + " type " + elem + "; activations feed float, double, int32 or int64 inputs");
        };
        ai.djl.repository.zoo.ZooModel<ai.djl.ndarray.NDList, ai.djl.ndarray.NDList> m = runtime();
        try (ai.djl.ndarray.NDManager manager = m.getNDManager().newSubManager();
             ai.djl.inference.Predictor<ai.djl.ndarray.NDList, ai.djl.ndarray.NDList> p = m.newPredictor()) {
            long[] dims = new long[input.rank()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = input.shape().dim(i);
            }
            ai.djl.ndarray.NDArray x = manager.create(input.toArray(), new ai.djl.ndarray.types.Shape(dims));
            x.setName(inputTypes.keySet().iterator().next());
            ai.djl.ndarray.NDList out = p.predict(new ai.djl.ndarray.NDList(type == ai.djl.ndarray.types.DataType.FLOAT32 ? x : x.toType(type, false)));
            Map<String, Tensor> result = new LinkedHashMap<>();
            for (Layer l : layers) {
                result.put(l.id(), DjlModel.copy(out.get(outputIndex.get(l.id()))));
            }
            out.close();
            return result;
        } catch (ai.djl.translate.TranslateException e) {
            throw new io.nnviz.api.BackendException("ONNX Runtime could not run '" + name() + "' on input " + input.shape() + ": "
                    + e.getMessage(), e);
        }
    }

    private synchronized ai.djl.repository.zoo.ZooModel<ai.djl.ndarray.NDList, ai.djl.ndarray.NDList> runtime() {
        if (runtime == null) {
            if (!ai.djl.engine.Engine.hasEngine("OnnxRuntime")) {
                throw new io.nnviz.api.UnsupportedCapabilityException(name(), Capability.ACTIVATIONS, "activations of ONNX models need"
                        + " DJL's ONNX Runtime engine on the class path: add ai.djl.onnxruntime:onnxruntime-engine");
            }
            try {
                runtime = ai.djl.repository.zoo.Criteria.builder()
                        .setTypes(ai.djl.ndarray.NDList.class, ai.djl.ndarray.NDList.class)
                        .optModelPath(file).optEngine("OnnxRuntime").optTranslator(new ai.djl.translate.NoopTranslator())
                        .build().loadModel();
            } catch (IOException | ai.djl.MalformedModelException | ai.djl.repository.zoo.ModelNotFoundException e) {
                throw new io.nnviz.api.BackendException("ONNX Runtime could not load " + file + ": " + e.getMessage(), e);
            }
        }
        return runtime;
    }

    @Override
    protected synchronized void doClose() {
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
    }
}
