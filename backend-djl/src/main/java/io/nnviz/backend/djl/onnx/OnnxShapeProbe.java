package io.nnviz.backend.djl.onnx;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.onnx.proto.OnnxMl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Shapes measured by one run of ONNX Runtime, for the tensors static inference leaves unknown.
 * The model is run as a copy in which every such tensor, top-level or inside {@code If} branches
 * at any depth, feeds a {@code Shape} node whose output is carried out as a graph output: through
 * each enclosing {@code If} as an extra output of both branches, the branch that does not compute
 * it giving {@code [-1]} (no shape has a negative size), so only the shape vectors leave the
 * runtime, never the activations. Tensors inside {@code Loop} and {@code Scan} bodies are not
 * measured (their values differ from one iteration to the next). The inputs are zeros of the given
 * shape, or of the declared one with every free dimension 1; where that run fails and dimensions
 * after the first (the batch) are free, it is tried again with them at {@link #FREE_SIZES} in turn,
 * on the same session: a spectrogram's STFT needs more than one sample, a convolutional network
 * more than one pixel. The run's shapes hold for the input it ran on only, and say so
 * ({@link Result#on}). Nothing here throws: a run that fails is a result that says why.
 */
final class OnnxShapeProbe {
    /** The layer attribute value that says a shape was measured, not inferred. */
    static final String MEASURED = "measured by ONNX Runtime";
    private static final String PREFIX = "nnviz_measured_shape_";
    /**
     * The sizes free dimensions after the first take, in turn, until a run succeeds: 1 (the least
     * work), then sizes models of text, images and audio take (a sequence, an image side of 256, a
     * second of 16 kHz audio and more).
     */
    static final long[] FREE_SIZES = {1, 64, 256, 1024, 16384};

    /** The shapes measured by tensor name, the inputs they were measured on ("x=[1, 3, 224, 224]"), or why none were. */
    record Result(Map<String, long[]> shapes, String on, String failure) {
    }

    private final List<String> names = new ArrayList<>(); // the tensor each added graph output measures, in order
    private int counter;

    private OnnxShapeProbe() {
    }

    /**
     * Measures the output shapes of the nodes whose first output static inference ({@code shapes})
     * left without a rank or with a dimension that is neither a size nor a symbol ({@code all}:
     * of every node, to check inference against), running the model on zeros of the {@code given}
     * input shapes or the declared ones, their free dimensions (-1 where given) 1 first, then, for
     * those after the first, {@link #FREE_SIZES} in turn while a run fails; the zeros must fit in a
     * quarter of {@code budget} bytes (the run needs room for its activations too).
     */
    static Result measure(String model, OnnxMl.ModelProto proto, OnnxShapes shapes, Map<String, long[]> given, boolean all, long budget) {
        Set<String> wanted = new HashSet<>();
        unknown(proto.getGraph(), shapes, wanted, all);
        if (wanted.isEmpty()) {
            return new Result(Map.of(), "", null); // inference gave every shape: nothing to run
        }
        Set<String> initializers = new HashSet<>();
        proto.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        Map<String, long[]> free = new LinkedHashMap<>(); // by input, its dimensions, -1 where free
        Map<String, Integer> types = new LinkedHashMap<>();
        for (OnnxMl.ValueInfoProto v : proto.getGraph().getInputList()) {
            if (initializers.contains(v.getName())) {
                continue;
            }
            OnnxTensorInfo declared = OnnxTensorInfo.declared(v);
            long[] dims = given.get(v.getName());
            if (dims == null && declared.dims() == null) {
                return new Result(Map.of(), describe(feed(free, 1)), "input '" + v.getName() + "' declares no shape: give its shape to measure");
            }
            dims = dims != null ? dims.clone() : new long[declared.rank()];
            for (int i = 0; i < dims.length; i++) {
                long d = given.containsKey(v.getName()) ? dims[i] : declared.dims().get(i).known() ? declared.dims().get(i).size() : -1;
                dims[i] = d < 0 ? -1 : d;
            }
            free.put(v.getName(), dims);
            types.put(v.getName(), declared.type() == 0 ? OnnxTensors.FLOAT : declared.type());
        }
        boolean laterFree = free.values().stream().anyMatch(d -> Arrays.stream(d, Math.min(1, d.length), d.length).anyMatch(x -> x < 0));
        List<Map<String, long[]>> feeds = new ArrayList<>();
        for (long size : laterFree ? FREE_SIZES : new long[] {1}) {
            Map<String, long[]> feed = feed(free, size);
            double bytes = bytes(feed);
            if (bytes > budget / 4.0) {
                if (feeds.isEmpty()) {
                    return new Result(Map.of(), describe(feed), String.format("inputs of %.0f bytes exceed a quarter of the memory budget (%d bytes): "
                            + "give smaller input shapes to measure", bytes, budget));
                }
                break;
            }
            feeds.add(feed);
        }
        return measure(model, proto, wanted, feeds, types);
    }

    /** The inputs {@code free} describes, their free dimensions 1 if first, else {@code size}. */
    private static Map<String, long[]> feed(Map<String, long[]> free, long size) {
        Map<String, long[]> feed = new LinkedHashMap<>();
        free.forEach((name, dims) -> {
            long[] d = dims.clone();
            for (int i = 0; i < d.length; i++) {
                d[i] = d[i] >= 0 ? d[i] : i == 0 ? 1 : size;
            }
            feed.put(name, d);
        });
        return feed;
    }

    /** The bytes of zeros the inputs take, at 8 a value (the widest type). */
    private static double bytes(Map<String, long[]> feed) {
        double bytes = 0;
        for (long[] dims : feed.values()) {
            double n = 8;
            for (long d : dims) {
                n *= d;
            }
            bytes += n;
        }
        return bytes;
    }

    /** The first outputs of {@code g}'s nodes (and its If branches') whose shape static inference does not give. */
    private static void unknown(OnnxMl.GraphProto g, OnnxShapes shapes, Set<String> wanted, boolean all) {
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            if (n.getOutputCount() > 0 && !n.getOpType().equals("Constant")) {
                OnnxTensorInfo i = shapes.anywhere(n.getOutput(0));
                if (all || i == null || i.dims() == null || i.dims().stream().anyMatch(d -> !d.known() && d.symbol() == null)) {
                    wanted.add(n.getOutput(0));
                }
            }
            if (n.getOpType().equals("If")) {
                n.getAttributeList().stream().filter(OnnxMl.AttributeProto::hasG).forEach(a -> unknown(a.getG(), shapes, wanted, all));
            }
        }
    }

    /**
     * Runs {@code proto} on zeros of shapes {@code feeds} (each: by fed input, in order, with their
     * ONNX element types {@code types}), one after another on one session until a run succeeds, and
     * returns the shapes of {@code wanted} that run measured; if none succeeds, why the first failed.
     */
    static Result measure(String model, OnnxMl.ModelProto proto, Set<String> wanted, List<Map<String, long[]>> feeds, Map<String, Integer> types) {
        String on = describe(feeds.get(0));
        if (wanted.isEmpty()) {
            return new Result(Map.of(), on, null);
        }
        if (!Engine.hasEngine("OnnxRuntime")) {
            return new Result(Map.of(), on, "measuring shapes needs DJL's ONNX Runtime engine (ai.djl.onnxruntime:onnxruntime-engine)");
        }
        OnnxShapeProbe probe = new OnnxShapeProbe();
        OnnxMl.GraphProto.Builder g = proto.getGraph().toBuilder();
        int original = g.getOutputCount();
        for (String[] e : probe.expose(g, wanted)) {
            g.addOutput(shapeValue(e[0]));
            probe.names.add(e[1]);
        }
        Path copy = null;
        String failure = null;
        try {
            copy = Files.createTempFile("nnviz-onnx-probe-", ".onnx");
            try (var out = Files.newOutputStream(copy)) {
                proto.toBuilder().setGraph(g).build().writeTo(out);
            }
            try (Model m = Model.newInstance(model, "OnnxRuntime")) {
                m.load(copy);
                try (Predictor<NDList, NDList> p = m.newPredictor(new ai.djl.translate.NoopTranslator())) {
                    for (Map<String, long[]> feed : feeds) {
                        try (NDManager manager = m.getNDManager().newSubManager()) {
                            NDList in = new NDList();
                            feed.forEach((name, dims) -> in.add(manager.zeros(new ai.djl.ndarray.types.Shape(dims), dataType(types.get(name)))));
                            NDList result = p.predict(in);
                            Map<String, long[]> shapes = new LinkedHashMap<>();
                            for (int k = 0; k < probe.names.size() && original + k < result.size(); k++) {
                                long[] s = result.get(original + k).toType(DataType.INT64, false).toLongArray();
                                if (s.length != 1 || s[0] >= 0) { // [-1]: its branch was not taken
                                    shapes.put(probe.names.get(k), s);
                                }
                            }
                            result.close();
                            return new Result(shapes, describe(feed), null);
                        } catch (Exception e) { // not on this input (too small for its kernels): the next size, if any
                            if (failure == null) {
                                failure = "ONNX Runtime could not run it on " + on + (feeds.size() > 1 ? " nor with its free dimensions up to "
                                        + FREE_SIZES[feeds.size() - 1] : "") + ": " + e.getMessage();
                            }
                        }
                    }
                    return new Result(Map.of(), on, failure);
                }
            }
        } catch (Exception | LinkageError e) { // a model ONNX Runtime cannot load: the shapes stay unknown
            return new Result(Map.of(), on, "ONNX Runtime could not run it on " + on + ": " + e.getMessage());
        } finally {
            if (copy != null) {
                copy.toFile().delete();
            }
        }
    }

    /**
     * What the layer shows: the inferred dimensions where inference gives a size or a symbol, the
     * measured ones elsewhere; the measured shape alone when inference has no rank or another one.
     */
    static OnnxTensorInfo combined(OnnxTensorInfo inferred, long[] measured) {
        List<OnnxDim> m = OnnxDim.sizes(measured);
        if (inferred == null || inferred.dims() == null || inferred.rank() != measured.length) {
            return OnnxTensorInfo.of(m, inferred == null ? 0 : inferred.type());
        }
        List<OnnxDim> d = new ArrayList<>();
        for (int i = 0; i < measured.length; i++) {
            OnnxDim x = inferred.dims().get(i);
            d.add(x.known() || x.symbol() != null ? x : m.get(i));
        }
        return OnnxTensorInfo.of(d, inferred.type());
    }

    private static DataType dataType(Integer onnx) {
        return switch (onnx == null ? OnnxTensors.FLOAT : onnx) {
            case OnnxTensors.INT64 -> DataType.INT64;
            case OnnxTensors.INT32 -> DataType.INT32;
            case OnnxTensors.DOUBLE -> DataType.FLOAT64;
            case OnnxTensors.BOOL -> DataType.BOOLEAN;
            case OnnxTensors.FLOAT16 -> DataType.FLOAT16;
            case OnnxTensors.UINT8 -> DataType.UINT8;
            case OnnxTensors.INT8 -> DataType.INT8;
            default -> DataType.FLOAT32;
        };
    }

    private static String describe(Map<String, long[]> feed) {
        StringBuilder s = new StringBuilder();
        feed.forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k).append('=').append(Arrays.toString(v)));
        return s.toString();
    }

    /**
     * Adds a {@code Shape} node to {@code g} for each wanted tensor it computes, and carries those
     * of its {@code If} nodes' branches out as extra outputs of the {@code If}; returns the added
     * values that hold them, each with the tensor it measures, for the caller to output.
     */
    private List<String[]> expose(OnnxMl.GraphProto.Builder g, Set<String> wanted) {
        List<String[]> exposed = new ArrayList<>();
        int nodes = g.getNodeCount();
        for (int i = 0; i < nodes; i++) {
            OnnxMl.NodeProto n = g.getNode(i);
            if (n.getOpType().equals("If") && n.getDomain().isEmpty()) {
                exposed.addAll(branches(g, i, wanted));
                n = g.getNode(i);
            }
            for (String out : n.getOutputList()) {
                if (wanted.contains(out)) {
                    String v = fresh();
                    g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Shape").setName(v).addInput(out).addOutput(v));
                    exposed.add(new String[] {v, out});
                }
            }
        }
        return exposed;
    }

    /** Carries the measured tensors of the If node at {@code i} out of both its branches, as extra outputs of the node. */
    private List<String[]> branches(OnnxMl.GraphProto.Builder g, int i, Set<String> wanted) {
        OnnxMl.NodeProto.Builder n = g.getNode(i).toBuilder();
        Map<String, OnnxMl.GraphProto.Builder> branch = new LinkedHashMap<>();
        Map<String, Map<String, String>> valueOf = new LinkedHashMap<>(); // branch -> tensor -> value holding its shape
        List<String> tensors = new ArrayList<>();
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            if (a.hasG()) {
                OnnxMl.GraphProto.Builder b = a.getG().toBuilder();
                Map<String, String> values = new LinkedHashMap<>();
                for (String[] e : expose(b, wanted)) {
                    values.put(e[1], e[0]);
                    tensors.add(e[1]);
                }
                branch.put(a.getName(), b);
                valueOf.put(a.getName(), values);
            }
        }
        if (tensors.isEmpty() || branch.size() != 2) {
            return List.of();
        }
        List<String[]> exposed = new ArrayList<>();
        for (String t : tensors) {
            for (Map.Entry<String, OnnxMl.GraphProto.Builder> e : branch.entrySet()) {
                String v = valueOf.get(e.getKey()).get(t);
                if (v == null) { // not computed in this branch: [-1]
                    v = fresh();
                    e.getValue().addNode(OnnxMl.NodeProto.newBuilder().setOpType("Constant").setName(v).addOutput(v)
                            .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("value").setType(OnnxMl.AttributeProto.AttributeType.TENSOR)
                                    .setT(OnnxMl.TensorProto.newBuilder().setDataType(OnnxTensors.INT64).addDims(1).addInt64Data(-1))));
                }
                e.getValue().addOutput(shapeValue(v));
            }
            String out = fresh();
            n.addOutput(out);
            exposed.add(new String[] {out, t});
        }
        for (int k = 0; k < n.getAttributeCount(); k++) {
            OnnxMl.AttributeProto a = n.getAttribute(k);
            if (a.hasG()) {
                n.setAttribute(k, a.toBuilder().setG(branch.get(a.getName())));
            }
        }
        g.setNode(i, n);
        return exposed;
    }

    private String fresh() {
        return PREFIX + counter++;
    }

    /** A graph output holding a shape: a vector of int64. */
    private static OnnxMl.ValueInfoProto shapeValue(String name) {
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                OnnxMl.TypeProto.Tensor.newBuilder().setElemType(OnnxTensors.INT64)
                        .setShape(OnnxMl.TensorShapeProto.newBuilder().addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder())))).build();
    }
}
