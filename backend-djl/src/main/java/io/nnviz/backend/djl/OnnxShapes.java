package io.nnviz.backend.djl;

import ai.onnx.proto.OnnxMl;
import io.nnviz.api.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The shapes and element types of an ONNX graph's tensors: from the file where it says
 * ({@code value_info}, inputs, outputs, initializers, {@code Constant} nodes), and inferred for the
 * common operators where it does not. A dimension is a size, a symbol (a {@code dim_param} such
 * as {@code batch_size}, carried through the graph), or unknown. Small integer tensors keep their
 * values, symbols included, so that the shape arithmetic exporters write ({@code Shape},
 * {@code Gather}, {@code Concat}, then {@code Reshape}) gives the reshaped dimensions. An operator
 * it does not know leaves its outputs unknown; nothing here throws on a strange graph.
 */
final class OnnxShapes {
    /** Integer tensors up to this many elements keep their values. */
    private static final int MAX_VALUES = 64;

    /**
     * One dimension, or one value of a small integer tensor: a size (a value may be negative, as a
     * Reshape's -1), a symbol ({@code size} is {@link #NONE}), or unknown (neither).
     */
    record Dim(long size, String symbol) {
        static final long NONE = Long.MIN_VALUE;
        static final Dim UNKNOWN = new Dim(NONE, null);

        /** A dimension of this size; a negative size is unknown. */
        static Dim of(long size) {
            return size < 0 ? UNKNOWN : new Dim(size, null);
        }

        /** A value, negative or not. */
        static Dim value(long v) {
            return v == NONE ? UNKNOWN : new Dim(v, null);
        }

        static Dim symbol(String s) {
            return s == null || s.isEmpty() ? UNKNOWN : new Dim(NONE, s);
        }

        /** A size of zero or more. */
        boolean known() {
            return size >= 0;
        }

        /** A number, negative or not (a value). */
        boolean numeric() {
            return size != NONE;
        }

        @Override
        public String toString() {
            return numeric() ? Long.toString(size) : symbol != null ? symbol : "?";
        }
    }

    /**
     * What is known of one tensor.
     *
     * @param dims   its dimensions, or null if even its rank is unknown
     * @param type   its ONNX element type, 0 if unknown
     * @param values the values of a small integer tensor, flattened, or null
     * @param floats the values of a small float tensor (resize scales), or null
     */
    record Info(List<Dim> dims, int type, List<Dim> values, double[] floats) {
        static Info of(List<Dim> dims, int type) {
            return new Info(dims == null ? null : List.copyOf(dims), type, null, null);
        }

        Info withValues(List<Dim> v) {
            return new Info(dims, type, v == null ? null : List.copyOf(v), floats);
        }

        int rank() {
            return dims == null ? -1 : dims.size();
        }

        /** As nnviz's shape: unknown and symbolic dimensions are {@link Shape#UNKNOWN}. */
        Shape toShape() {
            if (dims == null) {
                return null;
            }
            long[] d = new long[dims.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = dims.get(i).known() && dims.get(i).size() <= Integer.MAX_VALUE ? dims.get(i).size() : -1;
            }
            return Shape.ofLongs(d);
        }

        /** True if some dimension is a symbol. */
        boolean symbolic() {
            return dims != null && dims.stream().anyMatch(d -> d.symbol() != null);
        }

        @Override
        public String toString() {
            return dims == null ? "?" : dims.toString();
        }
    }

    static final int FLOAT = 1, INT32 = 6, INT64 = 7, BOOL = 9, FLOAT16 = 10, DOUBLE = 11, BFLOAT16 = 16;

    private final Map<String, Info> infos = new HashMap<>();
    private final OnnxShapes outer;
    private final int opset;

    private OnnxShapes(OnnxShapes outer, int opset) {
        this.outer = outer;
        this.opset = opset;
    }

    /**
     * The shapes of a model's top-level graph; {@code inputs} (may be empty) replaces the declared
     * shapes of the named inputs, as {@code --input-shape} does.
     */
    static OnnxShapes of(OnnxMl.ModelProto model, Map<String, long[]> inputs) {
        int opset = 13;
        for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = (int) o.getVersion();
            }
        }
        OnnxShapes s = new OnnxShapes(null, opset);
        s.infer(model.getGraph(), inputs);
        return s;
    }

    /** What is known of a tensor of this graph or an enclosing one. */
    Info get(String name) {
        Info i = infos.get(name);
        return i != null || outer == null ? i : outer.get(name);
    }

    private List<Dim> dims(String name) {
        Info i = get(name);
        return i == null ? null : i.dims();
    }

    private List<Dim> values(String name) {
        Info i = get(name);
        return i == null ? null : i.values();
    }

    private void put(String name, Info info) {
        if (info != null && !name.isEmpty()) {
            infos.merge(name, info, OnnxShapes::better);
        }
    }

    /** The file's own shape stands unless it knows less than the inferred one. */
    private static Info better(Info declared, Info inferred) {
        if (declared.dims() == null || inferred.dims() != null && known(inferred.dims()) > known(declared.dims())) {
            return new Info(inferred.dims(), declared.type() != 0 ? declared.type() : inferred.type(),
                    declared.values() != null ? declared.values() : inferred.values(), declared.floats() != null ? declared.floats() : inferred.floats());
        }
        return new Info(declared.dims(), declared.type() != 0 ? declared.type() : inferred.type(),
                declared.values() != null ? declared.values() : inferred.values(), declared.floats() != null ? declared.floats() : inferred.floats());
    }

    private static int known(List<Dim> d) {
        int n = 0;
        for (Dim x : d) {
            n += x.known() ? 2 : x.symbol() != null ? 1 : 0;
        }
        return n;
    }

    // ---- seeding ------------------------------------------------------------------------------

    private void infer(OnnxMl.GraphProto g, Map<String, long[]> overrides) {
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            put(t.getName(), tensorInfo(t));
        }
        for (OnnxMl.ValueInfoProto v : g.getInputList()) {
            long[] given = overrides.get(v.getName());
            if (given != null) {
                List<Dim> d = new ArrayList<>();
                for (long x : given) {
                    d.add(Dim.of(x));
                }
                infos.put(v.getName(), Info.of(d, valueInfo(v).type()));
            } else if (!infos.containsKey(v.getName())) {
                put(v.getName(), valueInfo(v));
            }
        }
        for (OnnxMl.ValueInfoProto v : g.getValueInfoList()) {
            put(v.getName(), valueInfo(v));
        }
        for (OnnxMl.ValueInfoProto v : g.getOutputList()) {
            put(v.getName(), valueInfo(v)); // declared first: inference fills in, it does not overrule
        }
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            try {
                node(n);
            } catch (RuntimeException e) {
                // a malformed node leaves its outputs unknown; the graph is still drawn
            }
        }
    }

    static Info valueInfo(OnnxMl.ValueInfoProto v) {
        if (!v.hasType() || !v.getType().hasTensorType()) {
            return Info.of(null, 0);
        }
        OnnxMl.TypeProto.Tensor t = v.getType().getTensorType();
        if (!t.hasShape()) {
            return Info.of(null, t.getElemType());
        }
        List<Dim> d = new ArrayList<>();
        for (OnnxMl.TensorShapeProto.Dimension x : t.getShape().getDimList()) {
            d.add(x.hasDimValue() ? Dim.of(x.getDimValue()) : Dim.symbol(x.getDimParam()));
        }
        return Info.of(d, t.getElemType());
    }

    static Info tensorInfo(OnnxMl.TensorProto t) {
        List<Dim> d = new ArrayList<>();
        long n = 1;
        for (long x : t.getDimsList()) {
            d.add(Dim.of(x));
            n *= Math.max(0, x);
        }
        Info info = Info.of(d, t.getDataType());
        if (n <= MAX_VALUES && (t.getDataType() == INT64 || t.getDataType() == INT32)) {
            long[] v = ints(t, (int) n);
            if (v != null) {
                List<Dim> vs = new ArrayList<>();
                for (long x : v) {
                    vs.add(Dim.value(x)); // values may be negative: kept as they are
                }
                info = info.withValues(vs);
            }
        } else if (n <= MAX_VALUES && t.getDataType() == FLOAT) {
            float[] f = OnnxModel.values(t);
            if (f.length == n) {
                double[] dd = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    dd[i] = f[i];
                }
                info = new Info(info.dims(), info.type(), null, dd);
            }
        }
        return info;
    }

    private static long[] ints(OnnxMl.TensorProto t, int n) {
        if (!t.getRawData().isEmpty()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            int width = t.getDataType() == INT64 ? 8 : 4;
            if (b.remaining() != (long) n * width) {
                return null;
            }
            long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = width == 8 ? b.getLong() : b.getInt();
            }
            return v;
        }
        if (t.getDataType() == INT64 && t.getInt64DataCount() == n) {
            long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = t.getInt64Data(i);
            }
            return v;
        }
        if (t.getInt32DataCount() == n) {
            long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = t.getInt32Data(i);
            }
            return v;
        }
        return null;
    }

    // ---- inference ----------------------------------------------------------------------------

    private static OnnxMl.AttributeProto attr(OnnxMl.NodeProto n, String name) {
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static long attrInt(OnnxMl.NodeProto n, String name, long dflt) {
        OnnxMl.AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getI();
    }

    private static long[] attrInts(OnnxMl.NodeProto n, String name) {
        OnnxMl.AttributeProto a = attr(n, name);
        if (a == null) {
            return null;
        }
        long[] v = new long[a.getIntsCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getInts(i);
        }
        return v;
    }

    private String in(OnnxMl.NodeProto n, int i) {
        return i < n.getInputCount() ? n.getInput(i) : "";
    }

    private int type(OnnxMl.NodeProto n, int i) {
        Info info = get(in(n, i));
        return info == null ? 0 : info.type();
    }

    /** Known integer values of input {@code i}, or null. */
    private long[] intValues(OnnxMl.NodeProto n, int i) {
        List<Dim> v = values(in(n, i));
        if (v == null) {
            return null;
        }
        long[] out = new long[v.size()];
        for (int k = 0; k < out.length; k++) {
            if (!v.get(k).numeric()) {
                return null;
            }
            out[k] = v.get(k).size();
        }
        return out;
    }

    /** A Reshape wildcard. */
    private static boolean isMinusOne(Dim d) {
        return d.size() == -1;
    }

    private void node(OnnxMl.NodeProto n) {
        String op = n.getOpType();
        String out = n.getOutputCount() > 0 ? n.getOutput(0) : "";
        switch (op) {
            case "Constant" -> {
                OnnxMl.AttributeProto v = attr(n, "value");
                if (v != null && v.hasT()) {
                    put(out, tensorInfo(v.getT()));
                } else if (attr(n, "value_int") != null) {
                    put(out, new Info(List.of(), INT64, List.of(Dim.value(attr(n, "value_int").getI())), null));
                } else if (attr(n, "value_ints") != null) {
                    long[] vs = attrInts(n, "value_ints");
                    List<Dim> d = new ArrayList<>();
                    for (long x : vs) {
                        d.add(Dim.value(x));
                    }
                    put(out, new Info(List.of(Dim.of(vs.length)), INT64, d, null));
                } else if (attr(n, "value_float") != null) {
                    put(out, Info.of(List.of(), FLOAT));
                } else if (attr(n, "value_floats") != null) {
                    put(out, Info.of(List.of(Dim.of(attr(n, "value_floats").getFloatsCount())), FLOAT));
                }
            }
            case "Relu", "Sigmoid", "Tanh", "Erf", "Sqrt", "Exp", "Log", "Reciprocal", "Abs", "Clip", "HardSigmoid",
                 "HardSwish", "LeakyRelu", "Elu", "Selu", "Softplus", "Softsign", "Gelu", "Softmax", "LogSoftmax", "Hardmax",
                 "Dropout", "BatchNormalization", "InstanceNormalization", "LayerNormalization", "LRN", "Round", "Floor",
                 "Ceil", "Sign", "Sin", "Cos", "Mish", "ThresholdedRelu", "Celu", "Shrink", "CumSum" -> put(out, same(n));
            case "Identity", "Neg", "Not" -> {
                Info i = get(in(n, 0));
                if (i != null) {
                    List<Dim> v = i.values();
                    if (v != null && op.equals("Neg")) {
                        long[] iv = intValues(n, 0);
                        v = iv == null ? null : ints(negate(iv));
                    }
                    put(out, new Info(i.dims(), op.equals("Not") ? BOOL : i.type(), v, op.equals("Identity") ? i.floats() : null));
                }
            }
            case "Cast" -> {
                Info i = get(in(n, 0));
                int to = (int) attrInt(n, "to", 0);
                if (i != null) {
                    put(out, new Info(i.dims(), to, to == INT64 || to == INT32 ? i.values() : null, null));
                }
            }
            case "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mod", "PRelu", "BitShift", "Sum", "Mean" -> put(out, broadcast(n, false));
            case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor" -> put(out, broadcast(n, true));
            case "Where" -> {
                List<Dim> d = broadcastDims(List.of(dims(in(n, 0)), dims(in(n, 1)), dims(in(n, 2))));
                put(out, Info.of(d, type(n, 1)));
            }
            case "Conv" -> put(out, conv(n));
            case "ConvTranspose" -> put(out, convTranspose(n));
            case "MaxPool", "AveragePool", "LpPool" -> put(out, pool(n));
            case "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool" -> {
                List<Dim> x = dims(in(n, 0));
                if (x != null && x.size() >= 2) {
                    List<Dim> d = new ArrayList<>(x.subList(0, 2));
                    for (int i = 2; i < x.size(); i++) {
                        d.add(Dim.of(1));
                    }
                    put(out, Info.of(d, type(n, 0)));
                }
            }
            case "Gemm" -> {
                List<Dim> a = dims(in(n, 0)), b = dims(in(n, 1));
                if (a != null && b != null && a.size() == 2 && b.size() == 2) {
                    Dim m = attrInt(n, "transA", 0) == 0 ? a.get(0) : a.get(1);
                    Dim nn = attrInt(n, "transB", 0) == 0 ? b.get(1) : b.get(0);
                    put(out, Info.of(List.of(m, nn), type(n, 0)));
                }
            }
            case "MatMul", "MatMulInteger" -> put(out, matMul(n));
            case "Flatten" -> {
                List<Dim> x = dims(in(n, 0));
                if (x != null) {
                    int axis = (int) attrInt(n, "axis", 1);
                    axis = axis < 0 ? axis + x.size() : axis;
                    put(out, Info.of(List.of(product(x.subList(0, axis)), product(x.subList(axis, x.size()))), type(n, 0)));
                }
            }
            case "Reshape" -> put(out, reshape(n));
            case "Transpose" -> {
                Info x = get(in(n, 0));
                if (x != null && x.dims() != null) {
                    long[] perm = attrInts(n, "perm");
                    List<Dim> d = new ArrayList<>();
                    for (int i = 0; i < x.rank(); i++) {
                        d.add(x.dims().get((int) (perm == null ? x.rank() - 1 - i : perm[i])));
                    }
                    put(out, Info.of(d, x.type()));
                }
            }
            case "Concat" -> put(out, concat(n));
            case "Squeeze" -> put(out, squeeze(n));
            case "Unsqueeze" -> put(out, unsqueeze(n));
            case "Shape" -> {
                List<Dim> x = dims(in(n, 0));
                if (x != null) {
                    int start = (int) attrInt(n, "start", 0), end = (int) attrInt(n, "end", x.size());
                    start = Math.max(0, Math.min(x.size(), start < 0 ? start + x.size() : start));
                    end = Math.max(start, Math.min(x.size(), end < 0 ? end + x.size() : end));
                    List<Dim> v = x.subList(start, end);
                    put(out, new Info(List.of(Dim.of(v.size())), INT64, v, null));
                } else {
                    put(out, Info.of(List.of(Dim.UNKNOWN), INT64));
                }
            }
            case "Size" -> {
                List<Dim> x = dims(in(n, 0));
                Dim p = x == null ? Dim.UNKNOWN : product(x);
                put(out, new Info(List.of(), INT64, p.known() ? List.of(p) : null, null));
            }
            case "Gather" -> put(out, gather(n));
            case "Slice" -> put(out, slice(n));
            case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
                 "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin" -> put(out, reduce(n));
            case "ConstantOfShape" -> {
                long[] shape = intValues(n, 0);
                OnnxMl.AttributeProto v = attr(n, "value");
                int t = v != null && v.hasT() ? v.getT().getDataType() : FLOAT;
                List<Dim> sv = values(in(n, 0));
                put(out, Info.of(shape != null ? dimsOf(shape) : asDims(sv), t));
            }
            case "Expand" -> {
                List<Dim> target = values(in(n, 1));
                put(out, Info.of(target == null ? null : broadcastDims(List.of(dims(in(n, 0)), asDims(target))), type(n, 0)));
            }
            case "Pad" -> put(out, pad(n));
            case "Resize", "Upsample" -> put(out, resize(n));
            case "Tile" -> {
                List<Dim> x = dims(in(n, 0));
                long[] reps = intValues(n, 1);
                if (x != null && reps != null && reps.length == x.size()) {
                    List<Dim> d = new ArrayList<>();
                    for (int i = 0; i < x.size(); i++) {
                        d.add(x.get(i).known() ? Dim.of(x.get(i).size() * reps[i]) : reps[i] == 1 ? x.get(i) : Dim.UNKNOWN);
                    }
                    put(out, Info.of(d, type(n, 0)));
                }
            }
            case "Split" -> split(n);
            case "LSTM", "GRU", "RNN" -> recurrent(n);
            case "If" -> branches(n);
            default -> { } // unknown: outputs stay unknown
        }
    }

    private static long[] negate(long[] v) {
        long[] o = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            o[i] = -v[i];
        }
        return o;
    }

    private static List<Dim> ints(long[] v) {
        List<Dim> d = new ArrayList<>();
        for (long x : v) {
            d.add(Dim.value(x));
        }
        return d;
    }

    /** Values used as dimensions: negative numbers are unknown sizes, symbols stay. */
    private static List<Dim> asDims(List<Dim> values) {
        if (values == null) {
            return null;
        }
        List<Dim> d = new ArrayList<>();
        for (Dim v : values) {
            d.add(v.numeric() ? Dim.of(v.size()) : v);
        }
        return d;
    }

    private static List<Dim> dimsOf(long[] v) {
        List<Dim> d = new ArrayList<>();
        for (long x : v) {
            d.add(Dim.of(x));
        }
        return d;
    }

    private Info same(OnnxMl.NodeProto n) {
        Info i = get(in(n, 0));
        return i == null ? null : Info.of(i.dims(), i.type());
    }

    private static Dim product(List<Dim> ds) {
        long p = 1;
        for (Dim d : ds) {
            if (!d.known()) {
                return ds.size() == 1 ? d : Dim.UNKNOWN;
            }
            p *= d.size();
        }
        return Dim.of(p);
    }

    /** NumPy broadcasting of several shapes (null if any is unknown). */
    static List<Dim> broadcastDims(List<List<Dim>> shapes) {
        int rank = 0;
        for (List<Dim> s : shapes) {
            if (s == null) {
                return null;
            }
            rank = Math.max(rank, s.size());
        }
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            Dim r = Dim.of(1);
            for (List<Dim> s : shapes) {
                int k = i - (rank - s.size());
                if (k < 0) {
                    continue;
                }
                Dim d = s.get(k);
                if (d.known() && d.size() == 1) {
                    continue;
                }
                if (r.known() && r.size() == 1) {
                    r = d;
                } else if (!r.equals(d)) {
                    r = r.known() ? r : d.known() ? d : Dim.UNKNOWN; // a size beats a symbol it must equal
                }
            }
            out.add(r);
        }
        return out;
    }

    private Info broadcast(OnnxMl.NodeProto n, boolean bool) {
        List<List<Dim>> shapes = new ArrayList<>();
        for (int i = 0; i < n.getInputCount(); i++) {
            shapes.add(dims(in(n, i)));
        }
        List<Dim> d = broadcastDims(shapes);
        Info info = Info.of(d, bool ? BOOL : type(n, 0));
        long[] a = intValues(n, 0), b = n.getInputCount() > 1 ? intValues(n, 1) : null;
        if (bool && a != null && b != null && (a.length == b.length || a.length == 1 || b.length == 1)) {
            int len = Math.max(a.length, b.length);
            long[] v = new long[len];
            for (int i = 0; i < len; i++) {
                long x = a[a.length == 1 ? 0 : i], y = b[b.length == 1 ? 0 : i];
                boolean r = switch (n.getOpType()) {
                    case "Equal" -> x == y;
                    case "Less" -> x < y;
                    case "Greater" -> x > y;
                    case "LessOrEqual" -> x <= y;
                    case "GreaterOrEqual" -> x >= y;
                    case "And" -> x != 0 && y != 0;
                    case "Or" -> x != 0 || y != 0;
                    default -> (x != 0) != (y != 0);
                };
                v[i] = r ? 1 : 0;
            }
            return info.withValues(ints(v)); // a condition on known sizes: an If can take its branch
        }
        if (!bool && a != null && b != null && (a.length == b.length || a.length == 1 || b.length == 1)) {
            int len = Math.max(a.length, b.length);
            long[] v = new long[len];
            for (int i = 0; i < len; i++) {
                long x = a[a.length == 1 ? 0 : i], y = b[b.length == 1 ? 0 : i];
                switch (n.getOpType()) {
                    case "Add" -> v[i] = x + y;
                    case "Sub" -> v[i] = x - y;
                    case "Mul" -> v[i] = x * y;
                    case "Div" -> {
                        if (y == 0) {
                            return info;
                        }
                        v[i] = Math.floorDiv(x, y);
                    }
                    case "Max" -> v[i] = Math.max(x, y);
                    case "Min" -> v[i] = Math.min(x, y);
                    default -> {
                        return info;
                    }
                }
            }
            info = info.withValues(ints(v));
        }
        return info;
    }

    /** Spatial attributes of conv and pool nodes, padded to the spatial rank. */
    private static long[] spatial(OnnxMl.NodeProto n, String name, int rank, long dflt) {
        long[] v = attrInts(n, name);
        if (v == null || v.length == 0) {
            v = new long[rank];
            java.util.Arrays.fill(v, dflt);
        }
        return v;
    }

    /** Output sizes of a sliding window over {@code x}'s spatial dims. */
    private List<Dim> window(OnnxMl.NodeProto n, List<Dim> x, long[] kernel, boolean ceil) {
        int sp = x.size() - 2;
        long[] strides = spatial(n, "strides", sp, 1), dil = spatial(n, "dilations", sp, 1), pads = attrInts(n, "pads");
        String autoPad = attr(n, "auto_pad") == null ? "NOTSET" : attr(n, "auto_pad").getS().toStringUtf8();
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < sp; i++) {
            Dim d = x.get(2 + i);
            if (!d.known() || kernel == null || i >= kernel.length) {
                out.add(Dim.UNKNOWN);
                continue;
            }
            long in = d.size(), k = (kernel[i] - 1) * dil[i] + 1, s = strides[i];
            if (autoPad.startsWith("SAME")) {
                out.add(Dim.of((in + s - 1) / s));
            } else {
                long p = autoPad.equals("VALID") || pads == null ? 0 : pads[i] + pads[i + sp];
                long num = in + p - k;
                out.add(Dim.of(num < 0 ? 0 : (ceil ? Math.floorDiv(num + s - 1, s) : Math.floorDiv(num, s)) + 1));
            }
        }
        return out;
    }

    private Info conv(OnnxMl.NodeProto n) {
        List<Dim> x = dims(in(n, 0)), w = dims(in(n, 1));
        if (x == null || x.size() < 3) {
            return null;
        }
        long[] kernel = attrInts(n, "kernel_shape");
        if ((kernel == null || kernel.length == 0) && w != null && w.size() == x.size()) {
            kernel = new long[x.size() - 2];
            for (int i = 0; i < kernel.length; i++) {
                kernel[i] = w.get(2 + i).size();
            }
        }
        List<Dim> d = new ArrayList<>();
        d.add(x.get(0));
        d.add(w == null ? Dim.UNKNOWN : w.get(0));
        d.addAll(window(n, x, kernel, false));
        return Info.of(d, type(n, 0));
    }

    private Info convTranspose(OnnxMl.NodeProto n) {
        List<Dim> x = dims(in(n, 0)), w = dims(in(n, 1));
        if (x == null || w == null || x.size() < 3 || w.size() != x.size()) {
            return null;
        }
        int sp = x.size() - 2;
        long group = attrInt(n, "group", 1);
        long[] strides = spatial(n, "strides", sp, 1), dil = spatial(n, "dilations", sp, 1), outPad = spatial(n, "output_padding", sp, 0);
        long[] pads = attrInts(n, "pads"), given = attrInts(n, "output_shape");
        List<Dim> d = new ArrayList<>();
        d.add(x.get(0));
        d.add(w.get(1).known() ? Dim.of(w.get(1).size() * group) : Dim.UNKNOWN);
        for (int i = 0; i < sp; i++) {
            if (given != null && given.length == sp) {
                d.add(Dim.of(given[i]));
                continue;
            }
            Dim in = x.get(2 + i), k = w.get(2 + i);
            long p = pads == null ? 0 : pads[i] + pads[i + sp];
            d.add(in.known() && k.known() ? Dim.of(strides[i] * (in.size() - 1) + outPad[i] + (k.size() - 1) * dil[i] + 1 - p) : Dim.UNKNOWN);
        }
        return Info.of(d, type(n, 0));
    }

    private Info pool(OnnxMl.NodeProto n) {
        List<Dim> x = dims(in(n, 0));
        if (x == null || x.size() < 3) {
            return null;
        }
        List<Dim> d = new ArrayList<>(x.subList(0, 2));
        d.addAll(window(n, x, attrInts(n, "kernel_shape"), attrInt(n, "ceil_mode", 0) == 1));
        return Info.of(d, type(n, 0));
    }

    private Info matMul(OnnxMl.NodeProto n) {
        List<Dim> a = dims(in(n, 0)), b = dims(in(n, 1));
        if (a == null || b == null || a.isEmpty() || b.isEmpty()) {
            return null;
        }
        List<Dim> a2 = a.size() == 1 ? List.of(Dim.of(1), a.get(0)) : a, b2 = b.size() == 1 ? List.of(b.get(0), Dim.of(1)) : b;
        List<Dim> batch = broadcastDims(List.of(a2.subList(0, a2.size() - 2), b2.subList(0, b2.size() - 2)));
        List<Dim> d = new ArrayList<>(batch);
        if (a.size() > 1) {
            d.add(a2.get(a2.size() - 2));
        }
        if (b.size() > 1) {
            d.add(b2.get(b2.size() - 1));
        }
        return Info.of(d, n.getOpType().equals("MatMulInteger") ? INT32 : type(n, 0));
    }

    private Info reshape(OnnxMl.NodeProto n) {
        List<Dim> x = dims(in(n, 0)), target = values(in(n, 1));
        if (target == null) {
            Info t = get(in(n, 1));
            if (t != null && t.dims() != null && t.dims().size() == 1 && t.dims().get(0).known()) {
                List<Dim> d = new ArrayList<>();
                for (long i = 0; i < t.dims().get(0).size(); i++) {
                    d.add(Dim.UNKNOWN);
                }
                return Info.of(d, type(n, 0)); // the rank is known, the sizes are not
            }
            return null;
        }
        boolean allowZero = attrInt(n, "allowzero", 0) == 1;
        List<Dim> d = new ArrayList<>();
        int wildcard = -1;
        for (int i = 0; i < target.size(); i++) {
            Dim t = target.get(i);
            if (t.known() && t.size() == 0 && !allowZero) {
                d.add(x != null && i < x.size() ? x.get(i) : Dim.UNKNOWN);
            } else if (isMinusOne(t) && wildcard < 0) {
                wildcard = i;
                d.add(Dim.UNKNOWN);
            } else {
                d.add(t.numeric() ? Dim.of(t.size()) : t);
            }
        }
        if (wildcard >= 0 && x != null) {
            Dim all = product(x);
            long rest = 1;
            boolean ok = all.known();
            for (int i = 0; i < d.size(); i++) {
                if (i != wildcard) {
                    ok &= d.get(i).known();
                    rest *= d.get(i).known() ? d.get(i).size() : 1;
                }
            }
            if (ok && rest > 0) {
                d.set(wildcard, Dim.of(all.size() / rest));
            } else if (!ok) {
                d.set(wildcard, symbolLeft(x, d, wildcard));
            }
        }
        Info out = Info.of(d, type(n, 0));
        return values(in(n, 0)) != null ? out.withValues(values(in(n, 0))) : out;
    }

    /** The -1 of a reshape whose other sizes cancel all but one symbol of the input (batch_size, say) is that symbol. */
    private static Dim symbolLeft(List<Dim> x, List<Dim> d, int wildcard) {
        List<Dim> rest = new ArrayList<>(x);
        long known = 1;
        for (Dim dim : rest) {
            known *= dim.known() ? dim.size() : 1;
        }
        for (int i = 0; i < d.size(); i++) {
            if (i == wildcard) {
                continue;
            }
            Dim dim = d.get(i);
            if (dim.known()) {
                if (dim.size() == 0 || known % dim.size() != 0) {
                    return Dim.UNKNOWN;
                }
                known /= dim.size();
            } else if (!rest.remove(dim)) {
                return Dim.UNKNOWN;
            }
        }
        List<Dim> symbols = rest.stream().filter(x1 -> !x1.known()).toList();
        return symbols.size() == 1 && known == 1 ? symbols.get(0) : symbols.isEmpty() ? Dim.of(known) : Dim.UNKNOWN;
    }

    private Info concat(OnnxMl.NodeProto n) {
        List<List<Dim>> ins = new ArrayList<>();
        for (int i = 0; i < n.getInputCount(); i++) {
            ins.add(dims(in(n, i)));
        }
        if (ins.isEmpty() || ins.contains(null)) {
            return null;
        }
        int rank = ins.get(0).size();
        int axis = (int) attrInt(n, "axis", 0);
        axis = axis < 0 ? axis + rank : axis;
        if (axis < 0 || axis >= rank) {
            return null;
        }
        List<Dim> d = new ArrayList<>(ins.get(0));
        long sum = 0;
        boolean known = true;
        for (List<Dim> s : ins) {
            if (s.size() != rank) {
                return null;
            }
            known &= s.get(axis).known();
            sum += s.get(axis).known() ? s.get(axis).size() : 0;
        }
        d.set(axis, known ? Dim.of(sum) : Dim.UNKNOWN);
        Info out = Info.of(d, type(n, 0));
        if (rank == 1) { // shape vectors: their values concatenate
            List<Dim> v = new ArrayList<>();
            for (int i = 0; i < n.getInputCount(); i++) {
                List<Dim> part = values(in(n, i));
                if (part == null) {
                    return out;
                }
                v.addAll(part);
            }
            out = out.withValues(v);
        }
        return out;
    }

    /** Axes from the attribute (older opsets) or the second input (opset 13). */
    private long[] axes(OnnxMl.NodeProto n, int input) {
        long[] a = attrInts(n, "axes");
        return a != null ? a : n.getInputCount() > input ? intValues(n, input) : null;
    }

    private Info squeeze(OnnxMl.NodeProto n) {
        Info x = get(in(n, 0));
        if (x == null || x.dims() == null) {
            return null;
        }
        long[] axes = axes(n, 1);
        List<Dim> d = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            boolean drop = false;
            if (axes == null) {
                drop = x.dims().get(i).known() && x.dims().get(i).size() == 1;
            } else {
                for (long a : axes) {
                    drop |= (a < 0 ? a + x.rank() : a) == i;
                }
            }
            if (!drop) {
                d.add(x.dims().get(i));
            }
        }
        return new Info(d, x.type(), x.values(), null);
    }

    private Info unsqueeze(OnnxMl.NodeProto n) {
        Info x = get(in(n, 0));
        long[] axes = axes(n, 1);
        if (x == null || x.dims() == null || axes == null) {
            return null;
        }
        int rank = x.rank() + axes.length;
        List<Dim> d = new ArrayList<>();
        int k = 0;
        for (int i = 0; i < rank; i++) {
            boolean inserted = false;
            for (long a : axes) {
                inserted |= (a < 0 ? a + rank : a) == i;
            }
            d.add(inserted ? Dim.of(1) : k < x.rank() ? x.dims().get(k++) : Dim.UNKNOWN);
        }
        return new Info(d, x.type(), x.values(), null);
    }

    private Info gather(OnnxMl.NodeProto n) {
        Info data = get(in(n, 0)), idx = get(in(n, 1));
        if (data == null || idx == null || data.dims() == null || idx.dims() == null) {
            return null;
        }
        int axis = (int) attrInt(n, "axis", 0);
        axis = axis < 0 ? axis + data.rank() : axis;
        if (axis < 0 || axis >= data.rank()) {
            return null;
        }
        List<Dim> d = new ArrayList<>(data.dims().subList(0, axis));
        d.addAll(idx.dims());
        d.addAll(data.dims().subList(axis + 1, data.rank()));
        Info out = Info.of(d, data.type());
        long[] iv = intValues(n, 1);
        if (data.values() != null && data.rank() == 1 && iv != null) {
            List<Dim> v = new ArrayList<>();
            for (long i : iv) {
                int at = (int) (i < 0 ? i + data.values().size() : i);
                if (at < 0 || at >= data.values().size()) {
                    return out;
                }
                v.add(data.values().get(at));
            }
            out = out.withValues(v);
        }
        return out;
    }

    private Info slice(OnnxMl.NodeProto n) {
        Info x = get(in(n, 0));
        if (x == null || x.dims() == null) {
            return null;
        }
        long[] starts, ends, axes, steps;
        if (opset < 10 || attr(n, "starts") != null) {
            starts = attrInts(n, "starts");
            ends = attrInts(n, "ends");
            axes = attrInts(n, "axes");
            steps = null;
        } else {
            starts = intValues(n, 1);
            ends = intValues(n, 2);
            axes = n.getInputCount() > 3 && !in(n, 3).isEmpty() ? intValues(n, 3) : null;
            steps = n.getInputCount() > 4 && !in(n, 4).isEmpty() ? intValues(n, 4) : null;
            if (n.getInputCount() > 3 && !in(n, 3).isEmpty() && axes == null) {
                return Info.of(unknownLike(x.dims()), x.type());
            }
        }
        if (starts == null || ends == null) {
            return Info.of(unknownLike(x.dims()), x.type());
        }
        List<Dim> d = new ArrayList<>(x.dims());
        int[] kept = new int[2];
        kept[1] = -1;
        for (int i = 0; i < starts.length; i++) {
            int axis = (int) (axes == null ? i : axes[i] < 0 ? axes[i] + x.rank() : axes[i]);
            long step = steps == null ? 1 : steps[i];
            Dim dim = d.get(axis);
            if (!dim.known() || step == 0) {
                if (!(starts[i] == 0 && ends[i] >= Long.MAX_VALUE / 2 && step == 1)) {
                    d.set(axis, Dim.UNKNOWN);
                }
                continue;
            }
            long len = dim.size();
            long s = clamp(starts[i], len, step), e = clamp(ends[i], len, step);
            long size = step > 0 ? Math.max(0, (e - s + step - 1) / step) : Math.max(0, (s - e - step - 1) / -step);
            d.set(axis, Dim.of(size));
            if (x.rank() == 1) {
                kept[0] = (int) s;
                kept[1] = step == 1 ? (int) size : -1;
            }
        }
        Info out = Info.of(d, x.type());
        if (x.values() != null && kept[1] >= 0 && kept[0] + kept[1] <= x.values().size()) {
            out = out.withValues(x.values().subList(kept[0], kept[0] + kept[1]));
        }
        return out;
    }

    private static long clamp(long v, long len, long step) {
        long x = v < 0 ? v + len : v;
        return step > 0 ? Math.max(0, Math.min(len, x)) : Math.max(-1, Math.min(len - 1, x));
    }

    private static List<Dim> unknownLike(List<Dim> d) {
        List<Dim> out = new ArrayList<>();
        for (Dim x : d) {
            out.add(Dim.UNKNOWN);
        }
        return out;
    }

    private Info reduce(OnnxMl.NodeProto n) {
        Info x = get(in(n, 0));
        if (x == null || x.dims() == null) {
            return null;
        }
        boolean arg = n.getOpType().startsWith("Arg");
        long[] axes = arg ? new long[] {attrInt(n, "axis", 0)} : axes(n, 1);
        boolean keep = attrInt(n, "keepdims", 1) == 1;
        if (axes == null && !arg && n.getInputCount() > 1 && !in(n, 1).isEmpty()) {
            return null; // axes given at run time
        }
        List<Dim> d = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            boolean reduced = axes == null || axes.length == 0 && attrInt(n, "noop_with_empty_axes", 0) == 0;
            if (axes != null) {
                for (long a : axes) {
                    reduced |= (a < 0 ? a + x.rank() : a) == i;
                }
            }
            if (!reduced) {
                d.add(x.dims().get(i));
            } else if (keep) {
                d.add(Dim.of(1));
            }
        }
        return Info.of(d, arg ? INT64 : x.type());
    }

    private Info pad(OnnxMl.NodeProto n) {
        Info x = get(in(n, 0));
        if (x == null || x.dims() == null) {
            return null;
        }
        long[] pads = attrInts(n, "pads");
        if (pads == null) {
            pads = intValues(n, 1);
        }
        if (pads == null || pads.length != 2L * x.rank()) {
            return Info.of(unknownLike(x.dims()), x.type());
        }
        List<Dim> d = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            Dim dim = x.dims().get(i);
            d.add(pads[i] == 0 && pads[i + x.rank()] == 0 ? dim : dim.known() ? Dim.of(dim.size() + pads[i] + pads[i + x.rank()]) : Dim.UNKNOWN);
        }
        return Info.of(d, x.type());
    }

    private Info resize(OnnxMl.NodeProto n) {
        Info x = get(in(n, 0));
        if (x == null || x.dims() == null) {
            return null;
        }
        long[] sizes = n.getInputCount() > 3 && !in(n, 3).isEmpty() ? intValues(n, 3) : null;
        if (sizes != null && sizes.length == x.rank()) {
            return Info.of(dimsOf(sizes), x.type());
        }
        Info scales = get(in(n, n.getOpType().equals("Upsample") ? 1 : 2));
        if (scales == null || scales.floats() == null || scales.floats().length != x.rank()) {
            return Info.of(unknownLike(x.dims()), x.type());
        }
        List<Dim> d = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            Dim dim = x.dims().get(i);
            double s = scales.floats()[i];
            d.add(s == 1.0 ? dim : dim.known() ? Dim.of((long) Math.floor(dim.size() * s)) : Dim.UNKNOWN);
        }
        return Info.of(d, x.type());
    }

    private void split(OnnxMl.NodeProto n) {
        Info x = get(in(n, 0));
        if (x == null || x.dims() == null) {
            return;
        }
        int axis = (int) attrInt(n, "axis", 0);
        axis = axis < 0 ? axis + x.rank() : axis;
        long[] parts = attrInts(n, "split");
        if (parts == null && n.getInputCount() > 1 && !in(n, 1).isEmpty()) {
            parts = intValues(n, 1);
        }
        Dim dim = x.dims().get(axis);
        for (int k = 0; k < n.getOutputCount(); k++) {
            List<Dim> d = new ArrayList<>(x.dims());
            if (parts != null && parts.length == n.getOutputCount()) {
                d.set(axis, Dim.of(parts[k]));
            } else if (dim.known() && dim.size() % n.getOutputCount() == 0) {
                d.set(axis, Dim.of(dim.size() / n.getOutputCount()));
            } else {
                d.set(axis, Dim.UNKNOWN);
            }
            put(n.getOutput(k), Info.of(d, x.type()));
        }
    }

    private void recurrent(OnnxMl.NodeProto n) {
        List<Dim> x = dims(in(n, 0));
        if (x == null || x.size() != 3) {
            return;
        }
        boolean batchFirst = attrInt(n, "layout", 0) == 1;
        Dim seq = batchFirst ? x.get(1) : x.get(0), batch = batchFirst ? x.get(0) : x.get(1);
        OnnxMl.AttributeProto dir = attr(n, "direction");
        Dim dirs = Dim.of(dir != null && dir.getS().toStringUtf8().equals("bidirectional") ? 2 : 1);
        Dim hidden = Dim.of(attrInt(n, "hidden_size", -1));
        int t = type(n, 0);
        if (n.getOutputCount() > 0) {
            put(n.getOutput(0), Info.of(batchFirst ? List.of(batch, seq, dirs, hidden) : List.of(seq, dirs, batch, hidden), t));
        }
        for (int k = 1; k < n.getOutputCount(); k++) {
            put(n.getOutput(k), Info.of(batchFirst ? List.of(batch, dirs, hidden) : List.of(dirs, batch, hidden), t));
        }
    }

    /**
     * An If's outputs: those of the branch its condition takes when the condition is known (it is
     * computed from sizes), else its branches' where they agree. Both branches are inferred, with
     * this graph's tensors in scope.
     */
    private void branches(OnnxMl.NodeProto n) {
        long[] cond = intValues(n, 0);
        List<List<Info>> outs = new ArrayList<>();
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            if (a.hasG()) {
                boolean taken = cond == null || cond.length != 1 || (cond[0] != 0) == a.getName().equals("then_branch");
                OnnxShapes inner = new OnnxShapes(this, opset);
                inner.infer(a.getG(), Map.of());
                List<Info> o = new ArrayList<>();
                for (OnnxMl.ValueInfoProto v : a.getG().getOutputList()) {
                    o.add(inner.get(v.getName()));
                }
                if (taken) {
                    outs.add(o);
                }
                branchShapes.put(n.getName() + "/" + a.getName(), inner);
            }
        }
        for (int k = 0; k < n.getOutputCount(); k++) {
            Info merged = null;
            for (List<Info> o : outs) {
                Info i = k < o.size() ? o.get(k) : null;
                merged = merged == null ? i : i == null || !Objects.equals(i.dims(), merged.dims()) ? Info.of(
                        merged.dims() != null && i != null && i.dims() != null && i.rank() == merged.rank() ? unknownLike(merged.dims()) : null,
                        merged.type()) : merged;
            }
            put(n.getOutput(k), merged);
        }
    }

    /** The shapes inside each subgraph of the If nodes seen, by "node name/attribute". */
    private final Map<String, OnnxShapes> branchShapes = new HashMap<>();

    /** The shapes inside a subgraph, or an inference of it with this graph in scope. */
    OnnxShapes inside(OnnxMl.NodeProto n, OnnxMl.AttributeProto a) {
        OnnxShapes s = branchShapes.get(n.getName() + "/" + a.getName());
        if (s == null) {
            s = new OnnxShapes(this, opset);
            s.infer(a.getG(), Map.of());
            branchShapes.put(n.getName() + "/" + a.getName(), s);
        }
        return s;
    }
}
