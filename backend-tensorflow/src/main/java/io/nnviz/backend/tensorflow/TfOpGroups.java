package io.nnviz.backend.tensorflow;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerKind;
import org.tensorflow.GraphOperation;

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

/**
 * Groups the ops a TensorFlow graph's output depends on (a sea of ops) into the layers a user
 * recognises.
 *
 * <ul>
 *   <li>Only the ops the model's output depends on are read, so gradient, optimizer, initializer,
 *       summary and saver ops are left out.</li>
 *   <li>Variables and constants (and ops computed only from them) are weights, not layers.</li>
 *   <li>Ops in a name scope form one layer per scope below the prefix every scoped op shares
 *       ({@code conv1/Conv2D}, {@code conv1/BiasAdd}, {@code conv1/Relu}; in an expanded TF 2
 *       function, {@code StatefulPartitionedCall/sequential/conv2d/...} is layer {@code conv2d}
 *       of the scope {@code StatefulPartitionedCall/sequential}).</li>
 *   <li>Identities ({@code Identity}, {@code IdentityN}, {@code Snapshot}, {@code StopGradient},
 *       {@code PreventGradient}) belong to the layer whose value they forward.</li>
 *   <li>Root-level ops are grouped by pattern: convolutions, matmuls, pooling, batch norm, reshapes,
 *       recurrent cells, merges (an element-wise op of two computed tensors) and ops reading other
 *       than one computed tensor each start a layer; a bias add, activation or element-wise op
 *       whose only computed input is a root-level layer's value, read by nothing else, joins that
 *       layer; any other op starts one.</li>
 *   <li>A layer's kind and its weights' roles come from its ops ({@link TfOpRoles}); anything
 *       unknown is {@link LayerKind#OTHER}.</li>
 * </ul>
 */
final class TfOpGroups {
    /** Root-level ops that start a layer of their own. */
    private static final Set<String> ANCHORS = Set.of("Conv2D", "DepthwiseConv2dNative", "Conv1D", "Conv3D", "MatMul",
            "BatchMatMul", "BatchMatMulV2", "MaxPool", "AvgPool", "MaxPoolV2", "FusedBatchNorm", "FusedBatchNormV3",
            "Reshape", "ConcatV2", "Concat", "LSTMBlockCell", "BlockLSTM", "BlockLSTMV2", "GRUBlockCell", "Mean", "Squeeze",
            "Transpose", "Pad");
    /** Ops that forward their input's value: they join their producer's layer. */
    private static final Set<String> IDENTITIES = Set.of("Identity", "IdentityN", "Snapshot", "StopGradient", "PreventGradient");

    private final GraphOperation input;
    private final GraphOperation output;
    private final Set<GraphOperation> forward = new LinkedHashSet<>();
    private final Set<GraphOperation> params = new HashSet<>();
    private final Map<GraphOperation, TfLayer> groupOf = new HashMap<>();
    private final Map<String, TfLayer> groups = new LinkedHashMap<>();
    /** The name-scope components every scoped op shares ({@code StatefulPartitionedCall/sequential}). */
    private List<String> prefix = List.of();

    TfOpGroups(GraphOperation input, GraphOperation output) {
        this.input = input;
        this.output = output;
    }

    /** The layers, in topological order (the input first). */
    List<TfLayer> read() {
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
        TfLayer in = new TfLayer(input.name());
        in.ops.add(input);
        in.kind = LayerKind.INPUT;
        in.output = input.output(0);
        groups.put(in.id, in);
        groupOf.put(input, in);
        for (GraphOperation op : order) {
            if (op.equals(input) || params.contains(op)) {
                continue;
            }
            TfLayer g = groupFor(op);
            g.ops.add(op);
            groupOf.put(op, g);
        }
        for (TfLayer g : groups.values()) {
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
            throw new InvalidInputException("the output '" + output.name() + "' does not depend on the input '"
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
        if (TfOpRoles.PARAM_SOURCES.contains(op.type())) {
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

    private TfLayer groupFor(GraphOperation op) {
        String scope = scopeOf(op);
        if (scope != null) {
            return groups.computeIfAbsent(unique(scope, true), TfLayer::new);
        }
        List<GraphOperation> ins = computeInputs(op);
        if (IDENTITIES.contains(op.type()) && !ins.isEmpty()) {
            TfLayer pg = groupOf.get(ins.get(0));
            if (pg != null && pg.kind != LayerKind.INPUT) {
                return pg; // an identity forwards its producer's value: it is that layer's
            }
        }
        boolean anchor = ANCHORS.contains(op.type())
                || TfOpRoles.ELEMENTWISE_MERGES.contains(op.type()) && ins.size() >= 2
                || ins.size() != 1;
        if (!anchor) {
            GraphOperation prev = ins.get(0);
            TfLayer pg = groupOf.get(prev);
            boolean foldable = pg != null && pg.kind != LayerKind.INPUT && scopeOf(prev) == null
                    && (TfOpRoles.ACTIVATIONS.contains(op.type()) || op.type().equals("BiasAdd") || TfOpRoles.ELEMENTWISE_MERGES.contains(op.type()))
                    && prev.numConsumers() == 1;
            if (foldable) {
                return pg;
            }
        }
        TfLayer g = new TfLayer(unique(op.name(), false));
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

    private void finish(TfLayer g) {
        // output: the last op whose value leaves the group (or the model's output)
        for (GraphOperation op : g.ops) {
            boolean leaves = op.equals(output);
            for (GraphOperation c : op.consumers()) {
                TfLayer cg = groupOf.get(c);
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
                TfLayer src = groupOf.get(in);
                if (src != null && src != g) {
                    g.inputs.add(src.id);
                }
            }
        }
        g.kind = TfOpRoles.kindOf(g, types, output);
        Set<GraphOperation> seen = new HashSet<>();
        for (GraphOperation op : g.ops) {
            for (int i = 0; i < op.numInputs(); i++) {
                GraphOperation in = (GraphOperation) op.input(i).op();
                if (!params.contains(in)) {
                    continue;
                }
                GraphOperation src = TfOpRoles.source(in);
                if (src == null || !seen.add(src) || !TfOpRoles.isFloatWeight(src)) {
                    continue;
                }
                g.weights.add(TfOpRoles.weight(g, op, i, src, groupOf::get));
            }
        }
    }
}
