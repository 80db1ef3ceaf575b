package io.nnviz.backend.djl.checkpoint;

import io.nnviz.api.Capability;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;
import io.nnviz.backend.djl.torchscript.ModuleTree;

import java.io.IOException;
import java.nio.channels.FileChannel;
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
    /** For the legacy format: each storage's bytes in the file ({@code [offset, length]}) by its entry name; null for a zip. */
    private final Map<String, long[]> ranges;

    CheckpointModel(Path path, String name, CheckpointDescriber.Contents contents, ModuleTree.Tree tree) {
        this(path, name, contents, tree, null);
    }

    /** A checkpoint in the legacy format, its storages at {@code ranges} of the file. */
    CheckpointModel(Path path, String name, CheckpointDescriber.Contents contents, ModuleTree.Tree tree, Map<String, long[]> ranges) {
        super(name, "PyTorch", tree.layers(), List.of(), tree.groups(), properties(contents, ranges != null), Set.of(Capability.WEIGHTS));
        this.path = path;
        this.params = tree.params();
        this.ranges = ranges;
        contents.parameters().forEach(r -> byName.put(r.name(), r));
    }

    private static Map<String, String> properties(CheckpointDescriber.Contents c, boolean legacy) {
        Map<String, String> p = new LinkedHashMap<>();
        if (legacy) {
            p.put("format", "legacy torch.save (before PyTorch 1.6)");
        }
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
        if (ranges != null) {
            return legacyWeights(layer, names);
        }
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

    private List<WeightTensor> legacyWeights(LayerInfo layer, List<String> names) {
        List<WeightTensor> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(path)) {
            for (int i = 0; i < names.size(); i++) {
                CheckpointTensors.Ref r = byName.get(names.get(i));
                long[] at = ranges.get(r.entry());
                WeightSpec spec = layer.weights().get(i);
                out.add(new WeightTensor(layer.id(), spec.name(), spec.role(),
                        CheckpointTensors.read(path, ch.map(FileChannel.MapMode.READ_ONLY, at[0], at[1]), r)));
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
