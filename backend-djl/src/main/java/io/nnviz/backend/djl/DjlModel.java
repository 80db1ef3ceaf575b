package io.nnviz.backend.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.Group;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A DJL block tree as an nnviz model. Leaf blocks are layers (ids are their paths in the tree,
 * e.g. {@code 02Conv2d} or {@code 03SequentialBlock/01Linear}); sequential and parallel blocks
 * are groups; a parallel block's join is a merge layer. DJL (PyTorch) already uses nnviz's
 * canonical layouts: NCHW, OIHW kernels, Linear weights {@code [out, in]}.
 * Files are other classes: {@code OnnxModel}, {@code TorchScriptModel}.
 */
public final class DjlModel extends AbstractModel {
    /** A leaf block (or a parallel join) and where it sits. */
    record Node(String id, Block block, boolean join) {
    }

    private final Block root;
    private final NDManager manager;
    private final Map<String, Node> nodes;
    private final String inputId;
    /** For a copy with other weights: those parameters' values by parameter id, in {@link #manager}; else empty. */
    private final Map<String, NDArray> replaced;

    private DjlModel(String name, List<LayerInfo> layers, List<Edge> edges, List<Group> groups, Map<String, String> props,
                     Block root, NDManager manager, Map<String, Node> nodes, String inputId, Map<String, NDArray> replaced) {
        super(name, "DJL/" + Engine.getInstance().getEngineName(), layers, edges, groups, props, EnumSet.of(Capability.WEIGHTS,
                Capability.ACTIVATIONS, Capability.INPUT_GRADIENT, Capability.LAYER_GRADIENT, Capability.WEIGHT_RANDOMIZATION));
        this.root = root;
        this.manager = manager;
        this.nodes = nodes;
        this.inputId = inputId;
        this.replaced = replaced;
    }

    /**
     * The same block run with the listed layers' parameters shuffled: DJL's blocks take every
     * parameter's value from the {@link ParameterStore} of the call, so the copy's store hands
     * out shuffled arrays of its own and the user's block, still training perhaps, is not touched.
     */
    @Override
    protected io.nnviz.api.ModelView doWithShuffledWeights(List<LayerInfo> layers, long seed) {
        NDManager m = NDManager.newBaseManager(manager.getDevice());
        Map<String, NDArray> values = new LinkedHashMap<>(replaced.size());
        try {
            replaced.forEach((id, a) -> values.put(id, a.duplicate().toDevice(m.getDevice(), true)));
            values.values().forEach(a -> a.attach(m));
            for (LayerInfo l : layers) {
                Node n = nodes.get(l.id());
                if (n == null || n.join()) {
                    continue;
                }
                for (Pair<String, Parameter> p : n.block().getParameters()) {
                    NDArray a = p.getValue().getArray();
                    float[] shuffled = io.nnviz.api.spi.WeightShuffle.shuffle(floats(a), io.nnviz.api.spi.WeightShuffle.random(seed, l.id(), p.getKey()));
                    values.put(p.getValue().getId(), m.create(shuffled, a.getShape()).toType(a.getDataType(), false));
                }
            }
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return new DjlModel(name() + " (shuffled " + layers.size() + " layers)", layers(), edges(), groups(), properties(), root, m,
                nodes, inputId, values);
    }

    /** The parameters of one call: the block's own, or this copy's replacements. */
    private ParameterStore store(NDManager sub) {
        if (replaced.isEmpty()) {
            return new ParameterStore(sub, false);
        }
        return new ParameterStore(sub, false) {
            @Override
            public NDArray getValue(Parameter parameter, ai.djl.Device device, boolean training) {
                NDArray r = replaced.get(parameter.getId());
                return r != null ? r : super.getValue(parameter, device, training);
            }
        };
    }

    /**
     * A model of an initialised block whose input has {@code inputShape} (DJL shape, batch first;
     * null for a block that cannot tell its shapes: they stay unknown).
     */
    public static DjlModel of(String name, Block block, ai.djl.ndarray.types.Shape inputShape) {
        if (inputShape != null && !block.isInitialized()) {
            throw new InvalidInputException("the block of '" + name + "' is not initialised: call initialize or trainer.initialize first");
        }
        Builder b = new Builder();
        LayerInfo.Builder in = LayerInfo.builder("input", LayerKind.INPUT).name("input").frameworkType("input")
                .outputShape(inputShape == null ? null : shape(inputShape));
        b.layers.add(in.build());
        b.walk(block, "", null, List.of("input"), inputShape == null ? null : new ai.djl.ndarray.types.Shape[] {inputShape});
        Map<String, String> props = new LinkedHashMap<>();
        props.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        ai.djl.Device device = device(block);
        props.put("device", device.toString());
        props.put("gpus", String.valueOf(Engine.getInstance().getGpuCount()));
        props.put("input shape", inputShape == null ? "unknown" : inputShape.toString());
        NDManager manager = NDManager.newBaseManager(device);
        return new DjlModel(name, b.layers, b.edges, b.groups, props, block, manager, b.nodes, "input", Map.of());
    }

    static Shape shape(ai.djl.ndarray.types.Shape s) {
        long[] d = s.getShape().clone();
        if (d.length > 0) {
            d[0] = -1;
        }
        return Shape.ofLongs(d);
    }

    private static final class Builder {
        final List<LayerInfo> layers = new ArrayList<>();
        final List<Edge> edges = new ArrayList<>();
        final List<Group> groups = new ArrayList<>();
        final Map<String, Node> nodes = new LinkedHashMap<>();

        /** Adds the subtree; returns its exit layer ids and output shapes. */
        Pair<List<String>, ai.djl.ndarray.types.Shape[]> walk(Block b, String path, String group, List<String> from,
                                                              ai.djl.ndarray.types.Shape[] in) {
            if (b instanceof TapBlock t) {
                return walk(t.inner(), path, group, from, in);
            }
            if (b instanceof SequentialBlock seq) {
                String gid = path.isEmpty() ? "model" : path;
                List<String> members = new ArrayList<>();
                List<String> exits = from;
                ai.djl.ndarray.types.Shape[] shapes = in;
                int before = layers.size();
                for (Pair<String, Block> child : seq.getChildren()) {
                    Pair<List<String>, ai.djl.ndarray.types.Shape[]> r = walk(child.getValue(), join(path, segment(child.getKey(), child.getValue())), gid, exits, shapes);
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
                ai.djl.ndarray.types.Shape[] out = par.getOutputShapes(in);
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
            ai.djl.ndarray.types.Shape[] out = in == null ? new ai.djl.ndarray.types.Shape[0] : b.getOutputShapes(in);
            LayerInfo.Builder lb = LayerInfo.builder(id, kind(b)).name(id).frameworkType(typeName(b))
                    .outputShape(out.length > 0 ? shape(out[0]) : null).group(group);
            if (in != null) {
                for (ai.djl.ndarray.types.Shape s : in) {
                    lb.inputShape(shape(s));
                }
            }
            for (Pair<String, Parameter> p : b.getParameters()) {
                NDArray a = p.getValue().getArray();
                lb.weight(new WeightSpec(p.getKey(), role(b, p.getKey()), Shape.ofLongs(a.getShape().getShape())));
            }
            layers.add(lb.build());
            nodes.put(id, new Node(id, b, false));
            for (String f : from) {
                edges.add(new Edge(f, id));
            }
            return new Pair<>(List.of(id), out.length == 0 ? null : out);
        }

        private static String join(String path, String child) {
            return path.isEmpty() ? child : path + "/" + child;
        }
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

    static String typeName(Block b) {
        return b instanceof LambdaBlock l && l.getName() != null && !l.getName().isEmpty()
                ? "LambdaBlock(" + l.getName() + ")" : b.getClass().getSimpleName();
    }

    static LayerKind kind(Block b) {
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

    static Tensor copy(NDArray a) {
        return Tensor.adopt(Shape.ofLongs(a.getShape().getShape()), floats(a));
    }

    /** The array's values as float32, in a fresh Java array. */
    static float[] floats(NDArray a) {
        return a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
    }

    Map<String, Node> nodes() {
        return nodes;
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        Node n = nodes.get(layer.id());
        if (n == null || n.join()) {
            return List.of();
        }
        List<WeightTensor> out = new ArrayList<>();
        for (Pair<String, Parameter> p : n.block().getParameters()) {
            NDArray r = replaced.get(p.getValue().getId());
            out.add(WeightTensor.of(layer.id(), p.getKey(), role(n.block(), p.getKey()), copy(r != null ? r : p.getValue().getArray())));
        }
        return out;
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DjlModel.class);
    private static final java.util.concurrent.atomic.AtomicBoolean SAID_CPU = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Where nnviz computes (activations, gradients): where the block's parameters live, so nothing
     * is copied between devices; for a block without parameters, the first GPU when the engine
     * reports one, else the CPU, said once in the log.
     */
    static ai.djl.Device device(Block block) {
        for (var p : block.getParameters()) {
            if (p.getValue().isInitialized()) {
                return p.getValue().getArray().getDevice();
            }
        }
        if (Engine.getInstance().getGpuCount() > 0) {
            return ai.djl.Device.gpu();
        }
        if (SAID_CPU.compareAndSet(false, true)) {
            LOG.info("nnviz: {} reports no GPU; computing on the CPU", Engine.getInstance().getEngineName());
        }
        return ai.djl.Device.cpu();
    }

    private NDArray input(NDManager sub, Tensor input) {
        Shape declared = layer(inputId).map(LayerInfo::outputShape).orElse(null);
        if (declared != null && !declared.isCompatibleWith(input.shape())) {
            throw new InvalidInputException("model '" + name() + "' expects input of shape " + declared + " but got " + input.shape());
        }
        long[] s = new long[input.rank()];
        for (int i = 0; i < s.length; i++) {
            s[i] = input.shape().dim(i);
        }
        return sub.create(input.toArray(), new ai.djl.ndarray.types.Shape(s));
    }

    /** Runs the tree, recording the output of every leaf (and join) by id. */
    private NDList run(Block b, String path, NDList x, ParameterStore ps, Map<String, NDArray> taps) {
        return runTree(b, path, x, ps, taps, false, null);
    }

    private NDList run(Block b, String path, NDList x, ParameterStore ps, Map<String, NDArray> taps, String cut) {
        return runTree(b, path, x, ps, taps, false, cut);
    }

    /**
     * Runs the tree; when leaf {@code cut} has produced its output, the rest of the pass continues
     * from a detached copy of it that records gradients (for Grad-CAM), kept in taps under
     * {@code cut + "\n"}.
     */
    static NDList runTree(Block b, String path, NDList x, ParameterStore ps, Map<String, NDArray> taps, boolean training, String cut) {
        if (b instanceof TapBlock t) {
            return runTree(t.inner(), path, x, ps, taps, training, cut);
        }
        if (b instanceof SequentialBlock seq) {
            for (Pair<String, Block> child : seq.getChildren()) {
                String key = segment(child.getKey(), child.getValue());
                x = runTree(child.getValue(), path.isEmpty() ? key : path + "/" + key, x, ps, taps, training, cut);
            }
            return x;
        }
        if (b instanceof ParallelBlock par) {
            for (Pair<String, Block> child : par.getChildren()) {
                String key = segment(child.getKey(), child.getValue());
                runTree(child.getValue(), path.isEmpty() ? key : path + "/" + key, x, ps, taps, training, null);
            }
            NDList out = par.forward(ps, x, training);
            taps.put(path.isEmpty() ? "join" : path + "/join", out.singletonOrThrow());
            return out;
        }
        NDList out = b.forward(ps, x, training);
        String id = path.isEmpty() ? b.getClass().getSimpleName() : path;
        taps.put(id, out.get(0));
        if (id.equals(cut)) {
            NDArray leaf = out.get(0).stopGradient();
            leaf.setRequiresGradient(true);
            taps.put(cut + "\n", leaf);
            return new NDList(leaf);
        }
        return out;
    }

    @Override
    protected Map<String, Tensor> doActivations(Tensor input, List<LayerInfo> layers) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = input(sub, input);
            Map<String, NDArray> taps = new LinkedHashMap<>();
            run(root, "", new NDList(x), store(sub), taps);
            for (LayerInfo l : layers) {
                if (l.id().equals(inputId)) {
                    out.put(l.id(), input);
                    continue;
                }
                NDArray a = taps.get(l.id());
                if (a == null) {
                    throw new InvalidInputException("layer '" + l.id() + "' produced no output in the forward pass");
                }
                out.put(l.id(), copy(a));
            }
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("DJL could not run model '" + name() + "' on input " + input.shape() + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    protected Tensor doInputGradient(Tensor input, int target) {
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = input(sub, input);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = root.forward(store(sub), new NDList(x), false).singletonOrThrow();
                long units = out.getShape().get(out.getShape().dimension() - 1);
                if (target < 0 || target >= units) {
                    throw new InvalidInputException("target " + target + " is not an output unit: the output has " + units
                            + " units (0.." + (units - 1) + ")");
                }
                gc.backward(out.get("..., " + target).sum());
            }
            return copy(x.getGradient());
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("DJL could not compute the input gradient of model '" + name() + "': " + e.getMessage(), e);
        }
    }

    @Override
    protected io.nnviz.api.LayerGradient doLayerGradient(Tensor input, LayerInfo layer, int target) {
        Node n = nodes.get(layer.id());
        if (n == null || n.join()) {
            throw new InvalidInputException("layer '" + layer.id() + "' of model '" + name() + "' has no gradient here:"
                    + " only leaf blocks on a sequential path can be cut for Grad-CAM");
        }
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = input(sub, input);
            Map<String, NDArray> taps = new LinkedHashMap<>();
            NDArray leaf;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = run(root, "", new NDList(x), store(sub), taps, layer.id()).singletonOrThrow();
                leaf = taps.get(layer.id() + "\n");
                long units = out.getShape().get(out.getShape().dimension() - 1);
                if (target < 0 || target >= units) {
                    throw new InvalidInputException("target " + target + " is not an output unit: the output has " + units
                            + " units (0.." + (units - 1) + ")");
                }
                gc.backward(out.get("..., " + target).sum());
            }
            if (leaf == null || !leaf.hasGradient()) {
                throw new InvalidInputException("layer '" + layer.id() + "' does not lead to the output on a sequential path");
            }
            return new io.nnviz.api.LayerGradient(layer.id(), target, copy(taps.get(layer.id())), copy(leaf.getGradient()));
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("DJL could not compute the gradient at layer '" + layer.id() + "': " + e.getMessage(), e);
        }
    }

    @Override
    protected void doClose() {
        manager.close();
    }
}
