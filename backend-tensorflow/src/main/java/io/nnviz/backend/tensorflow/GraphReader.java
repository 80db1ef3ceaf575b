package io.nnviz.backend.tensorflow;

import io.nnviz.api.LayerKind;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.proto.DataType;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Turns a TensorFlow graph, a sea of ops, into layers a user recognises.
 *
 * <ul>
 *   <li>Only the ops the model's output depends on are read, so gradient, optimizer, initializer,
 *       summary and saver ops are left out.</li>
 *   <li>Variables and constants (and reads of them) are weights, not layers.</li>
 *   <li>Ops in a name scope form one layer per scope below the prefix every scoped op shares
 *       ({@code conv1/Conv2D}, {@code conv1/BiasAdd}, {@code conv1/Relu}; in an expanded TF 2
 *       function, {@code StatefulPartitionedCall/sequential/conv2d/...} is layer {@code conv2d}
 *       of the scope {@code StatefulPartitionedCall/sequential}).</li>
 *   <li>Identities ({@code Identity}, {@code IdentityN}, {@code Snapshot}) belong to the layer
 *       whose value they forward.</li>
 *   <li>Root-level ops are grouped by pattern: Conv2D or MatMul with the bias add and activation
 *       that follow it; pooling, batch norm, reshape and merges (an add or concat of two computed
 *       tensors) each start a layer.</li>
 *   <li>A layer's kind comes from its ops; anything unknown is {@link LayerKind#OTHER}.</li>
 * </ul>
 */
final class GraphReader {
    private static final Set<String> PARAM_SOURCES = Set.of("Variable", "VariableV2", "VarHandleOp", "Const");
    private static final Set<String> PASS_THROUGH = Set.of("Identity", "ReadVariableOp", "Cast", "Snapshot");
    private static final Set<String> ANCHORS = Set.of("Conv2D", "DepthwiseConv2dNative", "Conv1D", "Conv3D", "MatMul",
            "BatchMatMul", "BatchMatMulV2", "MaxPool", "AvgPool", "MaxPoolV2", "FusedBatchNorm", "FusedBatchNormV3",
            "Reshape", "ConcatV2", "Concat", "LSTMBlockCell", "BlockLSTM", "BlockLSTMV2", "GRUBlockCell", "Mean", "Squeeze",
            "Transpose", "Pad");
    private static final Set<String> ACTIVATIONS = Set.of("Relu", "Relu6", "Elu", "Selu", "Tanh", "Sigmoid", "Softmax",
            "LogSoftmax", "LeakyRelu", "Softplus", "Softsign", "Gelu");
    private static final Set<String> SEQUENCE_READS = Set.of("Unpack", "Slice", "StridedSlice", "Squeeze", "GatherV2",
            "Placeholder");
    private static final Set<String> ELEMENTWISE_MERGES = Set.of("Add", "AddV2", "AddN", "Mul", "Sub", "Maximum");

    /**
     * A weight of a layer: the variable or constant, its role, and its conversion to canonical
     * layout, in Java ({@code toCanonical}) and as a TensorFlow axis permutation ({@code perm}, null
     * when the layout is already canonical or the conversion is more than a transpose).
     */
    record Weight(String name, GraphOperation source, WeightRole role, UnaryOperator<Tensor> toCanonical, int[] perm) {
        Weight(String name, GraphOperation source, WeightRole role, UnaryOperator<Tensor> toCanonical) {
            this(name, source, role, toCanonical, null);
        }
    }

    /** One recognised layer. */
    static final class Group {
        final String id;
        final List<GraphOperation> ops = new ArrayList<>();
        final List<Weight> weights = new ArrayList<>();
        final Set<String> inputs = new LinkedHashSet<>();
        Output<?> output;
        LayerKind kind = LayerKind.OTHER;

        Group(String id) {
            this.id = id;
        }

        String types() {
            List<String> t = new ArrayList<>();
            for (GraphOperation op : ops) {
                if (!t.contains(op.type())) {
                    t.add(op.type());
                }
            }
            return String.join("+", t.size() > 6 ? t.subList(0, 6) : t) + (t.size() > 6 ? "+..." : "");
        }
    }

    private final Graph graph;
    private final GraphOperation input;
    private final GraphOperation output;
    private final Set<GraphOperation> forward = new LinkedHashSet<>();
    private final Set<GraphOperation> params = new HashSet<>();
    private final Map<GraphOperation, Group> groupOf = new HashMap<>();
    private final Map<String, Group> groups = new LinkedHashMap<>();
    /** The name-scope components every scoped op shares ({@code StatefulPartitionedCall/sequential}). */
    private List<String> prefix = List.of();
    private static final Set<String> IDENTITIES = Set.of("Identity", "IdentityN", "Snapshot", "StopGradient", "PreventGradient");

    GraphReader(Graph graph, GraphOperation input, GraphOperation output) {
        this.graph = graph;
        this.input = input;
        this.output = output;
    }

    /** The layers, in topological order (the input first). */
    List<Group> read() {
        List<GraphOperation> order = topologicalForward();
        for (GraphOperation op : order) {
            if (op.equals(input)) {
                continue;
            }
            if (isParam(op)) {
                params.add(op);
            }
        }
        prefix = commonPrefix(order);
        Group in = new Group(input.name());
        in.ops.add(input);
        in.kind = LayerKind.INPUT;
        in.output = input.output(0);
        groups.put(in.id, in);
        groupOf.put(input, in);
        for (GraphOperation op : order) {
            if (op.equals(input) || params.contains(op)) {
                continue;
            }
            Group g = groupFor(op);
            g.ops.add(op);
            groupOf.put(op, g);
        }
        for (Group g : groups.values()) {
            if (g.kind != LayerKind.INPUT) {
                finish(g);
            }
        }
        return new ArrayList<>(groups.values());
    }

    /** Ops the output depends on, inputs before consumers. */
    private List<GraphOperation> topologicalForward() {
        Deque<GraphOperation> stack = new ArrayDeque<>();
        stack.push(output);
        while (!stack.isEmpty()) {
            GraphOperation op = stack.pop();
            if (!forward.add(op)) {
                continue;
            }
            for (int i = 0; i < op.numInputs(); i++) {
                stack.push((GraphOperation) op.input(i).op());
            }
        }
        if (!forward.contains(input)) {
            throw new io.nnviz.api.InvalidInputException("the output '" + output.name() + "' does not depend on the input '"
                    + input.name() + "'");
        }
        List<GraphOperation> order = new ArrayList<>(forward.size());
        Set<GraphOperation> done = new HashSet<>();
        for (GraphOperation root : forward) {
            visit(root, done, order);
        }
        return order;
    }

    private void visit(GraphOperation root, Set<GraphOperation> done, List<GraphOperation> order) {
        // iterative post-order: deep unrolled RNN graphs must not overflow the stack
        Deque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            GraphOperation op = (GraphOperation) top[0];
            if (done.contains(op)) {
                stack.pop();
                continue;
            }
            int i = (Integer) top[1];
            if (i < op.numInputs()) {
                top[1] = i + 1;
                GraphOperation in = (GraphOperation) op.input(i).op();
                if (forward.contains(in) && !done.contains(in)) {
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                done.add(op);
                order.add(op);
            }
        }
    }

    /** Variables, constants, and ops computed only from them. */
    private boolean isParam(GraphOperation op) {
        if (PARAM_SOURCES.contains(op.type())) {
            return true;
        }
        if (op.type().equals("Placeholder") || op.numInputs() == 0) {
            return false;
        }
        for (int i = 0; i < op.numInputs(); i++) {
            if (!params.contains((GraphOperation) op.input(i).op())) {
                return false;
            }
        }
        return true;
    }

    /** The leading name components all scoped forward ops share, as long as each keeps a scope of its own below them. */
    private List<String> commonPrefix(List<GraphOperation> order) {
        List<String> common = null;
        int shortest = Integer.MAX_VALUE;
        for (GraphOperation op : order) {
            String[] parts = op.name().split("/");
            if (op.equals(input) || params.contains(op) || parts.length < 2 || IDENTITIES.contains(op.type())) {
                continue; // identities join their producer's layer: they do not decide the scopes
            }
            shortest = Math.min(shortest, parts.length);
            if (common == null) {
                common = new ArrayList<>(List.of(parts).subList(0, parts.length - 1));
            } else {
                int k = 0;
                while (k < common.size() && k < parts.length - 1 && common.get(k).equals(parts[k])) {
                    k++;
                }
                common = new ArrayList<>(common.subList(0, k));
            }
        }
        if (common == null) {
            return List.of();
        }
        while (!common.isEmpty() && common.size() > shortest - 2) {
            common.remove(common.size() - 1); // every scoped op keeps a scope and a name below the prefix
        }
        return List.copyOf(common);
    }

    /** The scope path shared by every layer, joined with '/' ("" if none). */
    String prefix() {
        return String.join("/", prefix);
    }

    /** The layer scope of an op: its first name component below the common prefix, or null for a root-level op. */
    private String scopeOf(GraphOperation op) {
        String[] parts = op.name().split("/");
        if (parts.length < prefix.size() + 2) {
            return null;
        }
        for (int i = 0; i < prefix.size(); i++) {
            if (!parts[i].equals(prefix.get(i))) {
                return parts[0];
            }
        }
        return parts[prefix.size()];
    }

    /** Computed (non-parameter) inputs of an op. */
    private List<GraphOperation> computeInputs(GraphOperation op) {
        List<GraphOperation> out = new ArrayList<>();
        for (int i = 0; i < op.numInputs(); i++) {
            GraphOperation in = (GraphOperation) op.input(i).op();
            if (!params.contains(in) && forward.contains(in)) {
                out.add(in);
            }
        }
        return out;
    }

    private Group groupFor(GraphOperation op) {
        String scope = scopeOf(op);
        if (scope != null) {
            return groups.computeIfAbsent(unique(scope, true), Group::new);
        }
        List<GraphOperation> ins = computeInputs(op);
        if (IDENTITIES.contains(op.type()) && !ins.isEmpty()) {
            Group pg = groupOf.get(ins.get(0));
            if (pg != null && pg.kind != LayerKind.INPUT) {
                return pg; // an identity forwards its producer's value: it is that layer's
            }
        }
        boolean anchor = ANCHORS.contains(op.type())
                || ELEMENTWISE_MERGES.contains(op.type()) && ins.size() >= 2
                || ins.size() != 1;
        if (!anchor) {
            GraphOperation prev = ins.get(0);
            Group pg = groupOf.get(prev);
            boolean foldable = pg != null && pg.kind != LayerKind.INPUT && scopeOf(prev) == null
                    && (ACTIVATIONS.contains(op.type()) || op.type().equals("BiasAdd") || ELEMENTWISE_MERGES.contains(op.type()))
                    && prev.numConsumers() == 1;
            if (foldable) {
                return pg;
            }
        }
        Group g = new Group(unique(op.name(), false));
        groups.put(g.id, g);
        return g;
    }

    private String unique(String name, boolean reuse) {
        if (reuse || !groups.containsKey(name)) {
            return name;
        }
        int k = 2;
        while (groups.containsKey(name + "#" + k)) {
            k++;
        }
        return name + "#" + k;
    }

    private void finish(Group g) {
        // output: the last op whose value leaves the group (or the model's output)
        for (GraphOperation op : g.ops) {
            boolean leaves = op.equals(output);
            for (GraphOperation c : op.consumers()) {
                Group cg = groupOf.get(c);
                if (cg != null && cg != g) {
                    leaves = true;
                }
            }
            if (leaves) {
                g.output = op.output(0);
            }
        }
        if (g.output == null) {
            g.output = g.ops.get(g.ops.size() - 1).output(0);
        }
        Set<String> types = new HashSet<>();
        for (GraphOperation op : g.ops) {
            types.add(op.type());
            for (GraphOperation in : computeInputs(op)) {
                Group src = groupOf.get(in);
                if (src != null && src != g) {
                    g.inputs.add(src.id);
                }
            }
        }
        g.kind = kindOf(g, types);
        Set<GraphOperation> seen = new HashSet<>();
        for (GraphOperation op : g.ops) {
            for (int i = 0; i < op.numInputs(); i++) {
                GraphOperation in = (GraphOperation) op.input(i).op();
                if (!params.contains(in)) {
                    continue;
                }
                GraphOperation src = source(in);
                if (src == null || !seen.add(src) || !isFloatWeight(src)) {
                    continue;
                }
                g.weights.add(weight(g, op, i, src));
            }
        }
    }

    private LayerKind kindOf(Group g, Set<String> types) {
        String id = g.id.toLowerCase(java.util.Locale.ROOT);
        if (types.contains("LSTMBlockCell") || types.contains("BlockLSTM") || types.contains("BlockLSTMV2")
                || types.contains("GRUBlockCell") || id.contains("lstm") || id.contains("gru") || id.contains("rnn")) {
            return LayerKind.RECURRENT;
        }
        if (types.contains("Conv2D") || types.contains("DepthwiseConv2dNative") || types.contains("Conv3D")
                || types.contains("Conv1D")) {
            return LayerKind.CONV;
        }
        if (types.contains("MatMul") || types.contains("BatchMatMulV2")) {
            return g.ops.contains(output) ? LayerKind.OUTPUT : LayerKind.DENSE;
        }
        if (types.contains("MaxPool") || types.contains("AvgPool") || types.contains("MaxPoolV2") || types.contains("Mean")) {
            return LayerKind.POOL;
        }
        if (types.contains("FusedBatchNorm") || types.contains("FusedBatchNormV3")) {
            return LayerKind.NORM;
        }
        if (types.contains("ConcatV2") || g.inputs.size() >= 2) {
            return LayerKind.MERGE;
        }
        if (types.contains("Reshape") || types.contains("Squeeze") || types.contains("Transpose") || types.contains("Pad")) {
            return LayerKind.RESHAPE;
        }
        if (ACTIVATIONS.containsAll(types)) {
            return LayerKind.ACTIVATION;
        }
        return LayerKind.OTHER;
    }

    /** The variable or constant behind a parameter input (through reads and casts). */
    private GraphOperation source(GraphOperation op) {
        GraphOperation cur = op;
        for (int depth = 0; depth < 8; depth++) {
            if (PARAM_SOURCES.contains(cur.type())) {
                return cur;
            }
            if (!PASS_THROUGH.contains(cur.type()) || cur.numInputs() == 0) {
                return null;
            }
            cur = (GraphOperation) cur.input(0).op();
        }
        return null;
    }

    private static boolean isFloatWeight(GraphOperation src) {
        Output<?> o = src.output(0);
        DataType t = o.dataType();
        if (t != DataType.DT_FLOAT && t != DataType.DT_DOUBLE && t != DataType.DT_HALF && t != DataType.DT_BFLOAT16
                && t != DataType.DT_FLOAT_REF && t != DataType.DT_DOUBLE_REF) {
            return false;
        }
        org.tensorflow.ndarray.Shape s = o.shape();
        return !s.isUnknown() && s.numDimensions() >= 1 && s.size() > 1 || src.type().startsWith("Var");
    }

    private Weight weight(Group g, GraphOperation consumer, int index, GraphOperation src) {
        String type = consumer.type();
        String name = src.name();
        if ((type.equals("Conv2D")) && index == 1) {
            return new Weight(name, src, WeightRole.KERNEL, t -> t.permute(3, 2, 0, 1), new int[] {3, 2, 0, 1}); // HWIO -> OIHW
        }
        if (type.equals("DepthwiseConv2dNative") && index == 1) {
            return new Weight(name, src, WeightRole.KERNEL, t -> {
                int kh = t.shape().dim(0), kw = t.shape().dim(1), c = t.shape().dim(2), m = t.shape().dim(3);
                return t.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw);
            });
        }
        if (type.equals("MatMul") && index == 1) {
            boolean transposed = consumer.attributes().getAttrBool("transpose_b");
            WeightRole role = WeightRole.KERNEL;
            if (g.kind == LayerKind.RECURRENT) {
                // a matmul reading the sequence (from outside the layer, or a time step sliced out of it)
                // holds the input kernel; one reading the state computed inside the layer, the recurrent one
                GraphOperation other = (GraphOperation) consumer.input(0).op();
                boolean readsInput = groupOf.get(other) != g || SEQUENCE_READS.contains(other.type());
                role = readsInput ? WeightRole.INPUT_KERNEL : WeightRole.RECURRENT_KERNEL;
            }
            return transposed ? new Weight(name, src, role, t -> t)
                    : new Weight(name, src, role, t -> t.permute(1, 0), new int[] {1, 0}); // [in, out] -> [out, in]
        }
        if (type.equals("BiasAdd") || ELEMENTWISE_MERGES.contains(type) && src.output(0).shape().numDimensions() == 1) {
            return new Weight(name, src, WeightRole.BIAS, t -> t);
        }
        if (type.startsWith("FusedBatchNorm") && index >= 1 && index <= 4) {
            WeightRole[] roles = {WeightRole.GAMMA, WeightRole.BETA, WeightRole.RUNNING_MEAN, WeightRole.RUNNING_VAR};
            return new Weight(name, src, roles[index - 1], t -> t);
        }
        return new Weight(name, src, WeightRole.OTHER, t -> t);
    }
}
