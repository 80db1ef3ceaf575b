package io.nnviz.backend.djl.torchscript;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.nnviz.api.BackendException;
import io.nnviz.api.Capability;
import io.nnviz.api.GradientPoints;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;
import io.nnviz.api.spi.WeightShuffle;
import io.nnviz.backend.djl.ndarray.NdArrays;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TorchScript module loaded by DJL's PyTorch engine as a {@link ModelView}: structure from
 * {@link TorchScriptDescriber}, copies by {@link TorchScriptTensors}, the input gradient from
 * {@link TorchScriptGradients}. Edges are unknown (the file keeps code, not a graph), and the
 * model says so in its {@code edges} property. DJL runs the script module whole, with no submodule
 * calls or forward hooks, so the activations are the input's and the output's ({@code "output"}).
 * Made by {@link TorchScriptFiles}.
 */
final class TorchScriptModel extends AbstractModel {
    static final String INPUT = "input", OUTPUT = "output";
    private final Block block;
    private final AutoCloseable owner;
    private final NDManager manager;
    /** Per layer id, the full names of its parameters ({@code layer1.0.conv1.weight}), in its weights' order. */
    private final Map<String, List<String>> paramNames;
    /** The file and input shape it was loaded with: a randomised copy is the file loaded again. */
    private final Path path;
    private final long[] inputShape;

    private TorchScriptModel(String name, ModuleTree.Tree tree, Map<String, String> props, Block block,
                             AutoCloseable owner, Path path, long[] inputShape) {
        super(name, "TorchScript (DJL/PyTorch)", tree.layers(), List.of(), tree.groups(), props,
                EnumSet.of(Capability.WEIGHTS, Capability.ACTIVATIONS, Capability.INPUT_GRADIENT, Capability.WEIGHT_RANDOMIZATION));
        this.block = block;
        this.owner = owner;
        this.paramNames = tree.params();
        this.path = path;
        this.inputShape = inputShape == null ? null : inputShape.clone();
        this.manager = NDManager.newBaseManager(Engine.getEngine("PyTorch").defaultDevice(), "PyTorch");
    }

    /**
     * The model of a module DJL loaded from {@code path}, which it then owns; {@code inputShape}
     * (batch first, -1 for free dims) may be null.
     */
    static TorchScriptModel of(Model loaded, Path path, long[] inputShape) {
        Block block = loaded.getBlock();
        ModuleTree.Tree tree = TorchScriptDescriber.describe(block, inputShape, path);
        Map<String, String> props = new LinkedHashMap<>();
        props.put("edges", "unknown: a TorchScript file keeps code, not a graph of layers; layers are its modules in the order"
                + " they registered their parameters");
        props.put("activations", "the input and the output only: DJL runs a TorchScript module whole");
        props.put("buffers", "not read: DJL exposes parameters only (batch-norm running statistics are buffers)");
        props.put("engine", "PyTorch " + Engine.getEngine("PyTorch").getVersion());
        props.put("device", Engine.getEngine("PyTorch").defaultDevice().toString());
        props.put("modules", String.valueOf(tree.layers().size() - 2));
        TorchScriptGradients.inputOnly(block); // gradients are only ever taken to the input here
        return new TorchScriptModel(path.getFileName().toString(), tree, props, block, loaded, path, inputShape);
    }

    /**
     * The file loaded again (a TorchScript module cannot be copied in memory, and libtorch keeps
     * its parameters inside it), then the listed layers' parameters overwritten with their own
     * values shuffled.
     */
    @Override
    protected ModelView doWithShuffledWeights(List<LayerInfo> layers, long seed) {
        if (!Files.isRegularFile(path)) {
            throw new UnsupportedCapabilityException(name(), Capability.WEIGHT_RANDOMIZATION,
                    "the copy is loaded from its file again, and " + path + " is gone");
        }
        TorchScriptModel copy = TorchScriptFiles.load(path, inputShape, LoadOptions.defaultMemoryBudget());
        try {
            Map<String, Parameter> all = parameters(copy.block);
            for (LayerInfo l : layers) {
                for (String n : paramNames.getOrDefault(l.id(), List.of())) {
                    NDArray a = all.get(n).getArray();
                    float[] v = WeightShuffle.shuffle(NdArrays.floats(a), WeightShuffle.random(seed, l.id(), n));
                    a.set(FloatBuffer.wrap(v));
                }
            }
        } catch (RuntimeException e) {
            copy.close();
            throw new BackendException("DJL could not write the shuffled weights of '" + name() + "': " + e.getMessage(), e);
        }
        return copy;
    }

    private static Map<String, Parameter> parameters(Block block) {
        Map<String, Parameter> all = new LinkedHashMap<>();
        block.getParameters().forEach(p -> all.put(p.getKey(), p.getValue()));
        return all;
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        List<String> names = paramNames.get(layer.id());
        List<WeightTensor> out = new ArrayList<>();
        if (names == null) {
            return out;
        }
        Map<String, Parameter> all = parameters(block);
        for (int i = 0; i < names.size(); i++) {
            WeightSpec spec = layer.weights().get(i);
            out.add(WeightTensor.of(layer.id(), spec.name(), spec.role(), NdArrays.copy(all.get(names.get(i)).getArray())));
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
                        y = block.forward(new ParameterStore(sub, false), new NDList(NdArrays.array(sub, input)), false).get(0);
                    }
                    out.put(OUTPUT, NdArrays.copy(y));
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
                in.add(TorchScriptTensors.input(sub, t));
            }
            NDList y = block.forward(new ParameterStore(sub, false), in, false);
            for (int i = 0; i < y.size(); i++) {
                if (isAttention(y.get(i))) {
                    out.put(OUTPUT + " " + i, NdArrays.copy(y.get(i)));
                }
            }
        } catch (RuntimeException e) {
            throw new InvalidInputException("PyTorch could not run model '" + name() + "' on inputs " + inputs.keySet() + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** A probability tensor [N, H, T, T]: values in [0, 1], every row summing to 1. */
    private static boolean isAttention(NDArray a) {
        long[] s = a.getShape().getShape();
        if (s.length != 4 || s[2] != s[3] || !a.getDataType().isFloating()) {
            return false;
        }
        float[] v = NdArrays.floats(a);
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

    @Override
    protected Tensor doInputGradient(Tensor input, int target) {
        checkInput(input, layers().get(0));
        return TorchScriptGradients.ofInput(block, manager, input, target, name());
    }

    @Override
    protected Tensor doInputGradientSum(GradientPoints points, int target) {
        checkInput(points.input(), layers().get(0));
        return TorchScriptGradients.sumOverPoints(block, manager, points, target, name());
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
            throw new BackendException("closing model '" + name() + "' failed: " + e.getMessage(), e);
        }
    }
}
