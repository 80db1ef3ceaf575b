package io.nnviz.backend.dl4j.keras;

import io.jhdf.HdfFile;
import io.nnviz.api.Capability;
import io.nnviz.api.Edge;
import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Keras model nnviz read itself, as a neutral model: its architecture from the configuration,
 * its weights read from the HDF5 file (kept open, or in memory for an archive, until
 * {@link #close()}) a layer at a time when asked. No framework runs it, so it has weights only: its
 * unsupported-capability message says why (a Keras 3 archive, or what DL4J's import said of the
 * file) and what to do. Thread-safe: reads of the file take turns.
 */
final class KerasModel extends AbstractModel {
    private final Path path;
    private final HdfFile h5;
    private final Map<String, List<KerasStore.Ref>> weights;
    private final String why;

    KerasModel(Path path, String name, List<LayerInfo> layers, List<Edge> edges, List<Group> groups, Map<String, String> properties,
               HdfFile h5, Map<String, List<KerasStore.Ref>> weights, String why) {
        super(name, "Keras", layers, edges, groups, properties, Set.of(Capability.WEIGHTS));
        this.path = path;
        this.h5 = h5;
        this.weights = weights;
        this.why = why;
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        List<KerasStore.Ref> refs = weights.getOrDefault(layer.id(), List.of());
        List<WeightTensor> out = new ArrayList<>();
        synchronized (h5) {
            ensureOpen();
            for (int i = 0; i < refs.size(); i++) {
                WeightSpec spec = layer.weights().get(i);
                out.add(new WeightTensor(layer.id(), spec.name(), spec.role(), KerasTensors.read(path, h5, layer.frameworkType(), refs.get(i))));
            }
        }
        return out;
    }

    @Override
    protected String unsupportedReason(Capability c) {
        return why;
    }

    @Override
    protected void doClose() {
        synchronized (h5) {
            h5.close();
        }
    }
}
