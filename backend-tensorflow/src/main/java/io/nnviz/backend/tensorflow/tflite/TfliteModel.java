package io.nnviz.backend.tensorflow.tflite;

import io.nnviz.api.Capability;
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
 * A TFLite file as a neutral model: its operators as layers with their edges and name scopes, its
 * constants as weights (read from the file a layer at a time, dequantized, dense, in canonical
 * layouts). Weights only: nnviz runs no TFLite interpreter, so it has no activations or gradients.
 * Thread-safe: each read maps the file afresh.
 */
final class TfliteModel extends AbstractModel {
    private final Path path;
    private final long fileSize;
    private final TfliteGraph graph;
    private final Map<String, List<TfliteDescriber.Weight>> weights;

    private TfliteModel(Path path, long fileSize, TfliteGraph graph, TfliteDescriber.Description d) {
        super(String.valueOf(path.getFileName()), "TensorFlow Lite", d.layers(), d.edges(), d.groups(), d.properties(),
                Set.of(Capability.WEIGHTS));
        this.path = path;
        this.fileSize = fileSize;
        this.graph = graph;
        this.weights = d.weights();
    }

    static TfliteModel of(Path path, long fileSize, TfliteGraph graph) {
        return new TfliteModel(path, fileSize, graph, TfliteDescriber.describe(graph));
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        List<WeightTensor> out = new ArrayList<>();
        List<TfliteDescriber.Weight> ws = weights.getOrDefault(layer.id(), List.of());
        for (int i = 0; i < ws.size(); i++) {
            WeightSpec spec = layer.weights().get(i);
            TfliteDescriber.Weight w = ws.get(i);
            out.add(new WeightTensor(layer.id(), spec.name(), spec.role(),
                    TfliteTensors.read(path, fileSize, graph.tensors().get(w.tensor()), w.layout())));
        }
        return out;
    }

    @Override
    protected String unsupportedReason(Capability c) {
        return "a TFLite file carries no runtime here; nnviz reads its graph and weights, not runs it: open the SavedModel or Keras"
                + " model it was converted from (NNViz.load) to see activations and gradients";
    }
}
