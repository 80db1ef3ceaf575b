package io.nnviz.backend.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import io.nnviz.api.Edge;
import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The structure of a DJL block tree: leaf blocks are layers (ids are their paths in the tree, e.g.
 * {@code 02Conv2d} or {@code 03SequentialBlock/01Linear}); sequential and parallel blocks are
 * groups; a parallel block's join is a merge layer. Kinds and weight roles come from block and
 * parameter names, shapes from the blocks' own {@code getOutputShapes}. A {@link TapBlock} is seen
 * through. {@link DjlForward} runs the tree under the same ids.
 */
final class DjlDescriber {
    /** The input layer's id. */
    static final String INPUT = "input";

    /** A leaf block (or a parallel join) and where it sits. */
    record Node(String id, Block block, boolean join) {
    }

    /** The layers, edges and groups of a tree, and its leaves (and joins) by layer id. */
    record Description(List<LayerInfo> layers, List<Edge> edges, List<Group> groups, Map<String, Node> nodes) {
    }

    private final List<LayerInfo> layers = new ArrayList<>();
    private final List<Edge> edges = new ArrayList<>();
    private final List<Group> groups = new ArrayList<>();
    private final Map<String, Node> nodes = new LinkedHashMap<>();

    private DjlDescriber() {
    }

    /**
     * The tree of {@code block} behind an {@link #INPUT} layer of {@code inputShape} (DJL shape,
     * batch first; null for a block that cannot tell its shapes: they stay unknown).
     */
    static Description describe(Block block, Shape inputShape) {
        DjlDescriber d = new DjlDescriber();
        d.layers.add(LayerInfo.builder(INPUT, LayerKind.INPUT).name(INPUT).frameworkType("input")
                .outputShape(inputShape == null ? null : shape(inputShape)).build());
        d.walk(block, "", null, List.of(INPUT), inputShape == null ? null : new Shape[] {inputShape});
        return new Description(d.layers, d.edges, d.groups, d.nodes);
    }

    /** A DJL shape as nnviz's ({@code io.nnviz.api.Shape}, named in full beside DJL's), the batch dimension free. */
    private static io.nnviz.api.Shape shape(Shape s) {
        long[] d = s.getShape().clone();
        if (d.length > 0) {
            d[0] = -1;
        }
        return io.nnviz.api.Shape.ofLongs(d);
    }

    /** Adds the subtree; returns its exit layer ids and output shapes. */
    private Pair<List<String>, Shape[]> walk(Block b, String path, String group, List<String> from, Shape[] in) {
        if (b instanceof TapBlock t) {
            return walk(t.inner(), path, group, from, in);
        }
        if (b instanceof SequentialBlock seq) {
            String gid = path.isEmpty() ? "model" : path;
            List<String> members = new ArrayList<>();
            List<String> exits = from;
            Shape[] shapes = in;
            int before = layers.size();
            for (Pair<String, Block> child : seq.getChildren()) {
                Pair<List<String>, Shape[]> r = walk(child.getValue(), join(path, segment(child.getKey(), child.getValue())), gid, exits, shapes);
                exits = r.getKey();
                shapes = r.getValue();
            }
            for (int i = before; i < layers.size(); i++) {
                members.add(layers.get(i).id());
            }
            groups.add(new Group(gid, gid, "SequentialBlock", group, members));
            return new Pair<>(exits, shapes);
        }
        if (b instanceof ParallelBlock par) {
            String gid = path.isEmpty() ? "model" : path;
            int before = layers.size();
            List<String> exits = new ArrayList<>();
            for (Pair<String, Block> child : par.getChildren()) {
                exits.addAll(walk(child.getValue(), join(path, segment(child.getKey(), child.getValue())), gid, from, in).getKey());
            }
            Shape[] out = par.getOutputShapes(in);
            String joinId = join(path, "join");
            layers.add(LayerInfo.builder(joinId, LayerKind.MERGE).name(joinId).frameworkType("ParallelBlock join")
                    .outputShape(out.length > 0 ? shape(out[0]) : null).group(gid).build());
            nodes.put(joinId, new Node(joinId, par, true));
            for (String e : exits) {
                edges.add(new Edge(e, joinId));
            }
            List<String> members = new ArrayList<>();
            for (int i = before; i < layers.size(); i++) {
                members.add(layers.get(i).id());
            }
            groups.add(new Group(gid, gid, "ParallelBlock", group, members));
            return new Pair<>(List.of(joinId), out);
        }
        String id = path.isEmpty() ? b.getClass().getSimpleName() : path;
        Shape[] out = in == null ? new Shape[0] : b.getOutputShapes(in);
        LayerInfo.Builder lb = LayerInfo.builder(id, kind(b)).name(id).frameworkType(typeName(b))
                .outputShape(out.length > 0 ? shape(out[0]) : null).group(group);
        if (in != null) {
            for (Shape s : in) {
                lb.inputShape(shape(s));
            }
        }
        for (Pair<String, Parameter> p : b.getParameters()) {
            NDArray a = p.getValue().getArray();
            lb.weight(new WeightSpec(p.getKey(), role(b, p.getKey()), io.nnviz.api.Shape.ofLongs(a.getShape().getShape())));
        }
        layers.add(lb.build());
        nodes.put(id, new Node(id, b, false));
        for (String f : from) {
            edges.add(new Edge(f, id));
        }
        return new Pair<>(List.of(id), out.length == 0 ? null : out);
    }

    /** A child's layer id: its segment under its parent's path. */
    static String join(String path, String child) {
        return path.isEmpty() ? child : path + "/" + child;
    }

    /**
     * A child's segment of a layer id: DJL's own key ({@code 01Linear}), except that a lambda
     * named by its function ({@code Activation.reluBlock()} is "ReLU") is called by it
     * ({@code 02ReLU}, not {@code 02LambdaBlock}), the index keeping ids unique.
     */
    static String segment(String childKey, Block b) {
        if (b instanceof LambdaBlock l && childKey.endsWith("LambdaBlock") && l.getName() != null && !l.getName().isBlank()
                && !l.getName().equals(LambdaBlock.DEFAULT_NAME)) {
            return childKey.substring(0, childKey.length() - "LambdaBlock".length()) + l.getName().replaceAll("[/\\s]+", "_");
        }
        return childKey;
    }

    private static String typeName(Block b) {
        return b instanceof LambdaBlock l && l.getName() != null && !l.getName().isEmpty()
                ? "LambdaBlock(" + l.getName() + ")" : b.getClass().getSimpleName();
    }

    private static LayerKind kind(Block b) {
        String t = typeName(b).toLowerCase(Locale.ROOT);
        if (t.startsWith("conv")) {
            return LayerKind.CONV;
        }
        if (t.equals("linear")) {
            return LayerKind.DENSE;
        }
        if (t.contains("pool")) {
            return LayerKind.POOL;
        }
        if (t.contains("batchnorm") || t.contains("layernorm") || t.contains("norm")) {
            return LayerKind.NORM;
        }
        if (t.equals("lstm") || t.equals("gru") || t.equals("rnn")) {
            return LayerKind.RECURRENT;
        }
        if (t.contains("embedding")) {
            return LayerKind.EMBEDDING;
        }
        if (t.contains("dropout")) {
            return LayerKind.DROPOUT;
        }
        if (t.contains("attention") || t.contains("transformer")) {
            return LayerKind.ATTENTION;
        }
        if (t.contains("relu") || t.contains("sigmoid") || t.contains("tanh") || t.contains("softmax") || t.contains("gelu")
                || t.contains("activation")) {
            return LayerKind.ACTIVATION;
        }
        if (t.contains("flatten") || t.contains("reshape")) {
            return LayerKind.RESHAPE;
        }
        return LayerKind.OTHER;
    }

    /** The role of parameter {@code name} of block {@code b}, from the parameter's and the block's names. */
    static WeightRole role(Block b, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.contains("i2h") && n.contains("weight")) {
            return WeightRole.INPUT_KERNEL;
        }
        if (n.contains("h2h") && n.contains("weight")) {
            return WeightRole.RECURRENT_KERNEL;
        }
        if (kind(b) == LayerKind.EMBEDDING) {
            return WeightRole.EMBEDDING;
        }
        if (n.endsWith("weight")) {
            return WeightRole.KERNEL;
        }
        if (n.endsWith("bias")) {
            return WeightRole.BIAS;
        }
        return switch (n) {
            case "gamma" -> WeightRole.GAMMA;
            case "beta" -> WeightRole.BETA;
            case "runningmean" -> WeightRole.RUNNING_MEAN;
            case "runningvar" -> WeightRole.RUNNING_VAR;
            default -> WeightRole.OTHER;
        };
    }
}
