package io.nnviz.backend.djl.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import io.nnviz.api.Capability;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;
import io.nnviz.backend.djl.torchscript.ModuleTree;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file as a neutral model: weights only (the format holds no code and no graph), the
 * module tree from the tensors' names, values read from the mapped file a layer at a time.
 * Thread-safe: each read maps the file afresh.
 */
final class SafetensorsModel extends AbstractModel {
    private final Path path;
    private final long dataStart;
    private final Map<String, SafetensorsTensors.Ref> byName = new LinkedHashMap<>();
    private final Map<String, List<String>> params;

    private SafetensorsModel(Path path, long dataStart, SafetensorsDescriber.Split split, ModuleTree.Tree tree, Map<String, String> props) {
        super(String.valueOf(path.getFileName()), framework(props.get("metadata format")), tree.layers(), List.of(), tree.groups(), props, Set.of(Capability.WEIGHTS));
        this.path = path;
        this.dataStart = dataStart;
        this.params = tree.params();
        split.parameters().forEach(r -> byName.put(r.name(), r));
    }

    /** The framework that wrote the file, as its header's metadata says ({@code "format": "pt"}), else the format's name. */
    private static String framework(String format) {
        return format == null ? "safetensors" : switch (format) {
            case "pt" -> "PyTorch (safetensors)";
            case "tf" -> "TensorFlow (safetensors)";
            case "flax" -> "Flax (safetensors)";
            case "np" -> "NumPy (safetensors)";
            default -> "safetensors";
        };
    }

    static SafetensorsModel of(Path path, long dataStart, List<SafetensorsTensors.Ref> refs, JsonNode metadata) {
        SafetensorsDescriber.Split split = SafetensorsDescriber.split(refs);
        return new SafetensorsModel(path, dataStart, split, SafetensorsDescriber.tree(split.parameters(), split.buffers()),
                SafetensorsDescriber.properties(path, metadata, split));
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        List<WeightTensor> out = new ArrayList<>();
        List<String> names = params.getOrDefault(layer.id(), List.of());
        for (int i = 0; i < names.size(); i++) {
            WeightSpec spec = layer.weights().get(i);
            out.add(new WeightTensor(layer.id(), spec.name(), spec.role(), SafetensorsTensors.read(path, dataStart, byName.get(names.get(i)))));
        }
        return out;
    }

    @Override
    protected String unsupportedReason(Capability c) {
        return "a safetensors file holds weights, not the code that runs them: export the model to ONNX (torch.onnx.export, or"
                + " optimum-cli export onnx) or TorchScript to see activations and gradients";
    }
}
