package io.nnviz.backend.djl.torchscript;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.Shape;
import io.nnviz.api.WeightSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The structure of a loaded TorchScript module: its module tree, read from its parameters' dotted
 * names ({@code layer1.0.conv1.weight}), between an input and an output layer. A TorchScript file
 * keeps code, not a graph of layers, and DJL gives only the parameters. Each module owning
 * parameters is a layer, its kind told by its weights' shapes; each module above is a group. Names
 * and shapes are all there is, so some kinds are guesses the layer says it made: a 4-D weight is a
 * 2-D convolution or a transposed one, a 2-D weight a linear layer or (named so) an embedding.
 * The order of layers is the order modules registered their parameters, usually but not surely the
 * order they run.
 */
final class TorchScriptDescriber {
    private TorchScriptDescriber() {
    }

    /**
     * The layers of a loaded module: {@link TorchScriptModel#INPUT}, its modules, then
     * {@link TorchScriptModel#OUTPUT}. With an input shape (batch first, -1 for free dims; may be
     * null) the output's shape is found by running the module once on zeros; without one, an image
     * input's channels are guessed from a first convolution.
     */
    static ModuleTree.Tree describe(Block block, long[] inputShape, Path path) {
        List<ModuleTree.Param> params = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            params.add(new ModuleTree.Param(p.getKey(), p.getValue().getArray().getShape().getShape()));
        }
        ModuleTree.Tree tree = ModuleTree.read(params);
        List<LayerInfo> layers = new ArrayList<>();
        Shape in = inputShape != null ? batchFree(inputShape) : guessInput(tree.layers());
        layers.add(LayerInfo.builder(TorchScriptModel.INPUT, LayerKind.INPUT).name(TorchScriptModel.INPUT).frameworkType("input")
                .outputShape(in).build());
        layers.addAll(tree.layers());
        Shape out = inputShape != null ? outputShape(block, inputShape, path) : null;
        layers.add(LayerInfo.builder(TorchScriptModel.OUTPUT, LayerKind.OUTPUT).name(TorchScriptModel.OUTPUT).frameworkType("forward")
                .outputShape(out).build());
        return new ModuleTree.Tree(layers, tree.groups(), tree.params());
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
        Arrays.fill(d, -1);
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
            throw new ModelLoadException(path, "it does not run on an input of shape " + Arrays.toString(s) + ": " + e.getMessage(), e);
        }
    }
}
