package io.nnviz.backend.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.nnviz.api.Capability;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TorchScript file opened with DJL's PyTorch engine. Its layers and groups are its module tree,
 * read from the parameters' dotted names ({@link TorchScriptModules}); the order of layers is the
 * order modules registered their parameters, usually but not surely the order they run. Edges
 * are unknown (the file keeps code, not a graph), and the model says so in its {@code edges}
 * property. DJL runs the script module whole, with no submodule calls or forward hooks, so the
 * activations are the input's and the output's ({@code "output"}); the input gradient of the
 * output (as the script returns it, after any softmax or sigmoid in its code) gives saliency.
 * PyTorch's layouts are nnviz's canonical ones.
 */
public final class TorchScriptModel extends AbstractModel {
    static final String INPUT = "input", OUTPUT = "output";
    private final Block block;
    private final AutoCloseable owner;
    private final NDManager manager;
    private final Map<String, List<String>> paramNames;
    /** The file and input shape it was loaded with: a randomised copy is the file loaded again. */
    private final Path path;
    private final long[] inputShape;

    private TorchScriptModel(String name, List<LayerInfo> layers, List<io.nnviz.api.Group> groups, Map<String, String> props, Block block,
                             AutoCloseable owner, Map<String, List<String>> paramNames, Path path, long[] inputShape) {
        super(name, "TorchScript (DJL/PyTorch)", layers, List.of(), groups, props,
                EnumSet.of(Capability.WEIGHTS, Capability.ACTIVATIONS, Capability.INPUT_GRADIENT, Capability.WEIGHT_RANDOMIZATION));
        this.block = block;
        this.owner = owner;
        this.paramNames = paramNames;
        this.path = path;
        this.inputShape = inputShape == null ? null : inputShape.clone();
        this.manager = NDManager.newBaseManager(Engine.getEngine("PyTorch").defaultDevice(), "PyTorch");
    }

    /**
     * Opens a TorchScript file; {@code inputShape} (batch first, -1 for free dims; may be null)
     * is the input the module takes: given, the output's shape is found by running it once on zeros.
     */
    static TorchScriptModel load(Path path, long[] inputShape) {
        return load(path, inputShape, io.nnviz.api.LoadOptions.defaultMemoryBudget());
    }

    /** As {@link #load(Path, long[])}, the archive first checked against {@code budget} and for nesting libtorch cannot take. */
    static TorchScriptModel load(Path path, long[] inputShape, long budget) {
        TorchScriptArchive.check(path, budget);
        ai.djl.Model zoo = ai.djl.Model.newInstance(String.valueOf(path.getFileName()), "PyTorch");
        try {
            // straight from the file, not through a model repository (which warns about a file that is
            // not an archive); parameters as ordinary tensors: loaded for inference only they cannot take
            // part in autograd (saliency)
            // on a stack of known size: libtorch's compiler recurses on the code's nesting (TorchScriptArchive)
            NativeStack.call("nnviz-torchscript-load", () -> {
                zoo.load(path, null, Map.of("trainParam", "true"));
                return null;
            });
        } catch (Exception | LinkageError e) {
            zoo.close();
            // libtorch's first line says what; the rest (its source excerpt, its C++ stack) stays in the cause
            throw new ModelLoadException(path, "DJL's PyTorch engine could not load it: " + String.valueOf(e.getMessage()).lines()
                    .map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse(e.getClass().getSimpleName()), e);
        }
        try {
            Block block = zoo.getBlock();
            List<TorchScriptModules.Param> params = new ArrayList<>();
            for (ai.djl.util.Pair<String, Parameter> p : block.getParameters()) {
                params.add(new TorchScriptModules.Param(p.getKey(), p.getValue().getArray().getShape().getShape()));
            }
            TorchScriptModules.Tree tree = TorchScriptModules.read(params);
            List<LayerInfo> layers = new ArrayList<>();
            Shape in = inputShape != null ? batchFree(inputShape) : guessInput(tree.layers());
            layers.add(LayerInfo.builder(INPUT, LayerKind.INPUT).name(INPUT).frameworkType("input").outputShape(in).build());
            layers.addAll(tree.layers());
            Shape out = inputShape != null ? outputShape(block, inputShape, path) : null;
            layers.add(LayerInfo.builder(OUTPUT, LayerKind.OUTPUT).name(OUTPUT).frameworkType("forward").outputShape(out).build());
            Map<String, String> props = new LinkedHashMap<>();
            props.put("edges", "unknown: a TorchScript file keeps code, not a graph of layers; layers are its modules in the order"
                    + " they registered their parameters");
            props.put("activations", "the input and the output only: DJL runs a TorchScript module whole");
            props.put("buffers", "not read: DJL exposes parameters only (batch-norm running statistics are buffers)");
            props.put("engine", "PyTorch " + Engine.getEngine("PyTorch").getVersion());
            props.put("device", Engine.getEngine("PyTorch").defaultDevice().toString());
            props.put("modules", String.valueOf(tree.layers().size()));
            return new TorchScriptModel(path.getFileName().toString(), layers, tree.groups(), props, block, zoo, tree.params(), path,
                    inputShape);
        } catch (ModelLoadException e) {
            zoo.close();
            throw e;
        } catch (RuntimeException e) {
            zoo.close();
            throw new ModelLoadException(path, "its module tree could not be read: " + e.getMessage(), e);
        }
    }

    private static Shape batchFree(long[] s) {
        long[] d = s.clone();
        d[0] = -1;
        return Shape.ofLongs(d);
    }

    /** An image input's channels from the first module when it is a convolution, image size free. */
    private static Shape guessInput(List<LayerInfo> modules) {
        if (modules.isEmpty() || modules.get(0).kind() != LayerKind.CONV) {
            return null;
        }
        WeightSpec w = modules.get(0).weights().get(0);
        long[] d = new long[w.shape().rank()];
        java.util.Arrays.fill(d, -1);
        d[1] = w.shape().dim(1); // the first convolution's input channels (ungrouped on an input, as a rule)
        return Shape.ofLongs(d);
    }

    private static Shape outputShape(Block block, long[] inputShape, Path path) {
        long[] s = inputShape.clone();
        for (int i = 0; i < s.length; i++) {
            if (s[i] < 0) {
                throw new ModelLoadException(path, "the input shape given must be complete (dimension " + i + " is free) to run it once");
            }
        }
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray out = block.forward(new ParameterStore(m, false), new NDList(m.zeros(new ai.djl.ndarray.types.Shape(s))), false).get(0);
            return batchFree(out.getShape().getShape());
        } catch (RuntimeException e) {
            throw new ModelLoadException(path, "it does not run on an input of shape " + java.util.Arrays.toString(s) + ": " + e.getMessage(), e);
        }
    }

    /** The full names of a layer's parameters ({@code layer1.0.conv1.weight}), in its weights' order. */
    List<String> parameterNames(String layerId) {
        return paramNames.getOrDefault(layerId, List.of());
    }

    /**
     * The file loaded again (a TorchScript module cannot be copied in memory, and libtorch keeps
     * its parameters inside it), then the listed layers' parameters overwritten with their own
     * values shuffled.
     */
    @Override
    protected io.nnviz.api.ModelView doWithShuffledWeights(List<LayerInfo> layers, long seed) {
        if (!java.nio.file.Files.isRegularFile(path)) {
            throw new io.nnviz.api.UnsupportedCapabilityException(name(), Capability.WEIGHT_RANDOMIZATION,
                    "the copy is loaded from its file again, and " + path + " is gone");
        }
        TorchScriptModel copy = load(path, inputShape);
        try {
            Map<String, Parameter> all = new LinkedHashMap<>();
            copy.block.getParameters().forEach(p -> all.put(p.getKey(), p.getValue()));
            for (LayerInfo l : layers) {
                for (String n : paramNames.getOrDefault(l.id(), List.of())) {
                    ai.djl.ndarray.NDArray a = all.get(n).getArray();
                    float[] v = io.nnviz.api.spi.WeightShuffle.shuffle(DjlModel.floats(a), io.nnviz.api.spi.WeightShuffle.random(seed, l.id(), n));
                    a.set(java.nio.FloatBuffer.wrap(v));
                }
            }
        } catch (RuntimeException e) {
            copy.close();
            throw new io.nnviz.api.BackendException("DJL could not write the shuffled weights of '" + name() + "': " + e.getMessage(), e);
        }
        return copy;
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        List<String> names = paramNames.get(layer.id());
        List<WeightTensor> out = new ArrayList<>();
        if (names == null) {
            return out;
        }
        Map<String, Parameter> all = new LinkedHashMap<>();
        block.getParameters().forEach(p -> all.put(p.getKey(), p.getValue()));
        for (int i = 0; i < names.size(); i++) {
            WeightSpec spec = layer.weights().get(i);
            out.add(WeightTensor.of(layer.id(), spec.name(), spec.role(), DjlModel.copy(all.get(names.get(i)).getArray())));
        }
        return out;
    }

    @Override
    protected Map<String, Tensor> doActivations(Tensor input, List<LayerInfo> layers) {
        for (LayerInfo l : layers) {
            if (!l.id().equals(INPUT) && !l.id().equals(OUTPUT)) {
                throw new UnsupportedCapabilityException(name(), Capability.ACTIVATIONS, "layer '" + l.id()
                        + "' runs inside the script: DJL runs a TorchScript module whole (no submodule calls, no forward hooks),"
                        + " so only '" + INPUT + "' and '" + OUTPUT + "' have activations");
            }
        }
        checkInput(input, layers().get(0));
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (NDManager sub = manager.newSubManager()) {
            NDArray y = null;
            for (LayerInfo l : layers) {
                if (l.id().equals(INPUT)) {
                    out.put(INPUT, input);
                } else {
                    if (y == null) {
                        y = block.forward(new ParameterStore(sub, false), new NDList(array(sub, input)), false).get(0);
                    }
                    out.put(OUTPUT, DjlModel.copy(y));
                }
            }
        } catch (RuntimeException e) {
            throw new InvalidInputException("PyTorch could not run model '" + name() + "' on input " + input.shape() + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * The attention probabilities a module returns among its outputs, as HuggingFace models traced
     * with {@code output_attentions=True} do: every output {@code [N, heads, T, T]} of non-negative
     * values whose rows sum to 1, keyed {@code "output N"}. The inputs go to forward in the order
     * given; inputs of whole numbers (token ids, masks, token types) as int64, which is what such
     * modules take, others as float32.
     */
    @Override
    protected Map<String, Tensor> doAttentionWeights(Map<String, Tensor> inputs) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (NDManager sub = manager.newSubManager()) {
            NDList in = new NDList();
            for (Tensor t : inputs.values()) {
                NDArray a = array(sub, t);
                in.add(wholeNumbers(t) ? a.toType(ai.djl.ndarray.types.DataType.INT64, false) : a);
            }
            NDList y = block.forward(new ParameterStore(sub, false), in, false);
            for (int i = 0; i < y.size(); i++) {
                if (isAttention(y.get(i))) {
                    out.put(OUTPUT + " " + i, DjlModel.copy(y.get(i)));
                }
            }
        } catch (RuntimeException e) {
            throw new InvalidInputException("PyTorch could not run model '" + name() + "' on inputs " + inputs.keySet() + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static boolean wholeNumbers(Tensor t) {
        for (int i = 0; i < t.size(); i++) {
            float v = t.getFlat(i);
            if (v != Math.rint(v)) {
                return false;
            }
        }
        return true;
    }

    /** A probability tensor [N, H, T, T]: values in [0, 1], every row summing to 1. */
    private static boolean isAttention(NDArray a) {
        long[] s = a.getShape().getShape();
        if (s.length != 4 || s[2] != s[3] || !a.getDataType().isFloating()) {
            return false;
        }
        float[] v = DjlModel.floats(a);
        int t = (int) s[3];
        for (int r = 0; r < v.length / t; r++) {
            double sum = 0;
            for (int j = 0; j < t; j++) {
                float p = v[r * t + j];
                if (!(p >= 0 && p <= 1)) {
                    return false;
                }
                sum += p;
            }
            if (Math.abs(sum - 1) > 1e-3) {
                return false;
            }
        }
        return true;
    }

    private static NDArray array(NDManager m, Tensor t) {
        long[] s = new long[t.rank()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.shape().dim(i);
        }
        return m.create(t.toArray(), new ai.djl.ndarray.types.Shape(s));
    }

    @Override
    protected Tensor doInputGradient(Tensor input, int target) {
        checkInput(input, layers().get(0));
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = array(sub, input);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray out = forwardWithAutograd(x);
                long units = out.getShape().get(out.getShape().dimension() - 1);
                if (target < 0 || target >= units) {
                    throw new InvalidInputException("target " + target + " is not an output unit: the output has " + units
                            + " units (0.." + (units - 1) + ")");
                }
                gc.backward(out.get("..., " + target).sum());
            }
            return DjlModel.copy(x.getGradient());
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("PyTorch could not compute the input gradient of model '" + name() + "': " + e.getMessage(), e);
        }
    }

    /**
     * The module's forward with autograd recording and the module left in eval mode. DJL's
     * {@code forward(..., training=false)} runs without autograd, and {@code training=true} would
     * switch the module to training mode (batch norm on batch statistics, dropout on), so this calls
     * the engine's own forward with its gradient flag directly. The PyTorch engine is the
     * application's dependency, not this module's, hence reflection.
     */
    private NDArray forwardWithAutograd(NDArray x) {
        try {
            Class<?> symbol = Class.forName("ai.djl.pytorch.engine.PtSymbolBlock");
            java.lang.reflect.Method forward = Class.forName("ai.djl.pytorch.jni.IValueUtils")
                    .getMethod("forward", symbol, NDList.class, boolean.class);
            return ((NDList) forward.invoke(null, block, new NDList(x), true)).get(0);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new io.nnviz.api.BackendException(String.valueOf(e.getCause()), e);
        } catch (ReflectiveOperationException e) {
            throw new io.nnviz.api.BackendException("DJL's PyTorch engine has no IValueUtils.forward(PtSymbolBlock, NDList, boolean): "
                    + e, e);
        }
    }

    @Override
    protected String unsupportedReason(Capability c) {
        return c == Capability.LAYER_GRADIENT ? "DJL runs a TorchScript module whole: no layer inside it can be cut for Grad-CAM"
                : super.unsupportedReason(c);
    }

    @Override
    protected void doClose() {
        manager.close();
        try {
            owner.close();
        } catch (Exception e) {
            throw new io.nnviz.api.BackendException("closing model '" + name() + "' failed: " + e.getMessage(), e);
        }
    }
}
