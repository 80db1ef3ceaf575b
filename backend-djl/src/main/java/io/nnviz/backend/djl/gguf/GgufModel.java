package io.nnviz.backend.djl.gguf;

import io.nnviz.api.Capability;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A GGUF file as a neutral model: weights only (llama.cpp keeps the code that runs them), the layers
 * and groups its tensor names make, values read from the mapped file a layer at a time. A tensor of
 * a type nnviz does not dequantize, or larger than the memory budget as float32, is a layer's
 * weight (shape and count) without values: {@link #weights} leaves it out, and the layer's
 * {@code not decoded} attribute and the model's properties say why. Thread-safe: each read maps
 * the file afresh.
 */
final class GgufModel extends AbstractModel {
    private final Path path;
    private final long dataStart;
    private final ByteOrder order;
    private final Map<String, List<GgufHeader.Ref>> tensors;
    private final Map<String, String> notDecoded;

    private GgufModel(Path path, GgufHeader h, GgufDescriber.Tree tree, Map<String, String> notDecoded, String framework) {
        super(String.valueOf(path.getFileName()), framework, tree.layers(), List.of(), tree.groups(),
                GgufDescriber.properties(h, notDecoded), Set.of(Capability.WEIGHTS));
        this.path = path;
        this.dataStart = h.dataStart;
        this.order = h.order();
        this.tensors = tree.tensors();
        this.notDecoded = notDecoded;
    }

    static GgufModel of(Path path, GgufHeader h, Map<String, String> notDecoded) {
        Object arch = h.metadata.get("general.architecture");
        return new GgufModel(path, h, GgufDescriber.tree(h.tensors, notDecoded), notDecoded,
                "GGUF" + (arch instanceof String a && !a.isBlank() ? " (" + a + ")" : ""));
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        List<WeightTensor> out = new ArrayList<>();
        List<GgufHeader.Ref> refs = tensors.getOrDefault(layer.id(), List.of());
        for (int i = 0; i < refs.size(); i++) {
            GgufHeader.Ref r = refs.get(i);
            if (!notDecoded.containsKey(r.name())) {
                WeightSpec spec = layer.weights().get(i);
                out.add(new WeightTensor(layer.id(), spec.name(), spec.role(), GgufTensors.read(path, dataStart, order, r)));
            }
        }
        return out;
    }

    @Override
    protected String unsupportedReason(Capability c) {
        return "a GGUF file holds weights for llama.cpp's own code: run it with llama.cpp; to see activations and gradients here,"
                + " open the model it was converted from exported to ONNX (optimum-cli export onnx) or TorchScript";
    }
}
