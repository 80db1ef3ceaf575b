package io.nnviz.backend.djl.checkpoint;

import io.nnviz.api.Capability;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;
import io.nnviz.backend.djl.torchscript.ModuleTree;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipFile;

/**
 * A PyTorch checkpoint as a neutral model: the module tree of its parameters, their values read
 * from the file when asked. A checkpoint holds weights, not the code that runs them, so it has
 * weights only: activations and gradients need the model exported with {@code torch.jit.trace}
 * or {@code torch.onnx.export}, which its unsupported-capability messages say. Thread-safe: each
 * layer's weights are read through an opening of the file of their own.
 */
final class CheckpointModel extends AbstractModel {
    private final Path path;
    private final Map<String, CheckpointTensors.Ref> byName = new LinkedHashMap<>();
    private final Map<String, List<String>> params;

    CheckpointModel(Path path, String name, CheckpointDescriber.Contents contents, ModuleTree.Tree tree) {
        super(name, "PyTorch", tree.layers(), List.of(), tree.groups(), properties(contents), Set.of(Capability.WEIGHTS));
        this.path = path;
        this.params = tree.params();
        contents.parameters().forEach(r -> byName.put(r.name(), r));
    }

    private static Map<String, String> properties(CheckpointDescriber.Contents c) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("parameter tensors", String.valueOf(c.parameters().size()));
        p.put("buffers", c.buffers().size() + " (running statistics and counters; not parameters)");
        if (c.modelKey() != null) {
            p.put("state_dict under", c.modelKey());
        }
        if (!c.others().isEmpty()) {
            long elements = c.others().stream().mapToLong(CheckpointTensors.Ref::elements).sum();
            p.put("other tensors", c.others().size() + " holding " + elements + " values (an optimizer's state; not parameters)");
        }
        return p;
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        List<WeightTensor> out = new ArrayList<>();
        List<String> names = params.getOrDefault(layer.id(), List.of());
        try (ZipFile z = new ZipFile(path.toFile())) { // once for the layer's tensors
            for (int i = 0; i < names.size(); i++) {
                CheckpointTensors.Ref r = byName.get(names.get(i));
                WeightSpec spec = layer.weights().get(i);
                out.add(new WeightTensor(layer.id(), spec.name(), spec.role(), CheckpointTensors.read(path, z, r)));
            }
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot read it again (" + e.getMessage() + ")", e);
        }
        return out;
    }

    @Override
    protected String unsupportedReason(Capability c) {
        return "a PyTorch checkpoint holds weights, not the code that runs them: export the model with torch.jit.trace(model, example)"
                + ".save(\"m.pt\") or torch.onnx.export to see activations and gradients";
    }
}
