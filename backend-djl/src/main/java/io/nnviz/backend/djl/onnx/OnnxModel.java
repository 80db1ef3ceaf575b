package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import io.nnviz.api.BackendException;
import io.nnviz.api.Capability;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.AbstractModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model as a {@link ModelView}: structure from {@link OnnxDescriber} (the graph read from
 * the file's protobuf: ONNX Runtime exposes only inputs and outputs) with shapes from the file and
 * inferred ({@link OnnxShapes}), weights decoded by {@link OnnxTensors}, activations of any
 * top-level node from ONNX Runtime ({@link OnnxSession}). Models with several inputs (BERT-style
 * {@code input_ids}, {@code attention_mask}, ...) take them by name. ONNX Runtime computes no
 * gradients here: attribution for ONNX models is forward-only
 * ({@code io.nnviz.api.attribution.Occlusion}). Made by {@link OnnxFiles}.
 */
final class OnnxModel extends AbstractModel {
    private final OnnxMl.ModelProto proto;
    private final OnnxDescriber graph;
    private final OnnxShapes shapes;
    /** The shapes measured at load time, or null when none were asked for. */
    private final OnnxShapeProbe.Result measured;
    private final Path file;
    private final OnnxSession session;
    /** True for a randomised copy, whose file is a temporary one of its own (deleted on close). */
    private final boolean ownsFile;

    /** The model read from {@code file} as {@code proto}, described as {@code graph}; {@code ownsFile} deletes the file on close. */
    OnnxModel(String name, OnnxDescriber graph, Map<String, String> props, OnnxMl.ModelProto proto, OnnxShapes shapes,
              OnnxShapeProbe.Result measured, Path file, boolean ownsFile) {
        super(name, "ONNX", graph.layers, graph.edges, graph.groups, props,
                EnumSet.of(Capability.WEIGHTS, Capability.ACTIVATIONS, Capability.WEIGHT_RANDOMIZATION));
        this.ownsFile = ownsFile;
        this.proto = proto;
        this.graph = graph;
        this.shapes = shapes;
        this.measured = measured;
        this.file = file;
        this.session = new OnnxSession(name, proto, shapes, file);
    }

    /** The parameters the file holds (float and quantized), each counted once. */
    long fileParameters() {
        return graph.parameters;
    }

    /** The graph's inputs that are fed, in order, with their ONNX element types. */
    Map<String, Integer> inputs() {
        return Collections.unmodifiableMap(graph.inputs);
    }

    /** The shape of a tensor (of any graph, subgraphs included) as the file declares or nnviz infers it (never measured), symbols and unknowns written as such ("[batch_size, 128]"). */
    String shapeOf(String tensor) {
        OnnxTensorInfo i = shapes.anywhere(tensor);
        return i == null ? "?" : i.toString();
    }

    /** The tensor a layer outputs (its node's first output; an input's own name). */
    String outputTensor(String layerId) {
        String t = graph.outputTensor.get(layerId);
        if (t == null) {
            throw new InvalidInputException("model '" + name() + "' has no layer '" + layerId + "'");
        }
        return t;
    }

    /** The file the model was read from (for a randomised copy, its temporary file). */
    Path file() {
        return file;
    }

    @Override
    protected List<WeightTensor> doWeights(LayerInfo layer) {
        List<WeightTensor> out = new ArrayList<>();
        List<OnnxWeight> ts = graph.weights.getOrDefault(layer.id(), List.of());
        for (int i = 0; i < ts.size(); i++) {
            OnnxMl.TensorProto t = ts.get(i).values();
            WeightSpec spec = layer.weights().get(i);
            OnnxWeight w = ts.get(i);
            long held = w.count();
            if (held != spec.shape().size()) {
                throw new BackendException("tensor '" + t.getName() + "' of layer '" + layer.id() + "' declares shape "
                        + spec.shape() + " but holds " + held + " values");
            }
            // decoded when read, and only as far as read: a filter grid draws the first filters of a kernel
            out.add(WeightTensor.of(layer.id(), t.getName(), spec.role(), Tensor.ranged(spec.shape(), w::read)));
        }
        return out;
    }

    /**
     * The model with the listed layers' tensors shuffled ({@link OnnxShuffledWeights}), written
     * to a temporary file of the copy's own for ONNX Runtime, with every tensor in it: the
     * original's external data, already read in, goes with it.
     */
    @Override
    protected ModelView doWithShuffledWeights(List<LayerInfo> layers, long seed) {
        Map<String, List<OnnxWeight>> byLayer = new LinkedHashMap<>();
        for (LayerInfo l : layers) {
            byLayer.put(l.id(), graph.weights.getOrDefault(l.id(), List.of()));
        }
        OnnxMl.ModelProto shuffled = OnnxShuffledWeights.of(proto, byLayer, seed);
        Path tmp = null;
        try {
            tmp = Files.createTempFile("nnviz-onnx-shuffled-", ".onnx");
            try (var out = Files.newOutputStream(tmp)) {
                shuffled.writeTo(out);
            }
            return new OnnxModel(name() + " (shuffled " + layers.size() + " layers)", OnnxDescriber.read(shuffled, shapes, measured),
                    properties(), shuffled, shapes, measured, tmp, true);
        } catch (IOException | RuntimeException e) {
            if (tmp != null) {
                tmp.toFile().delete();
            }
            throw new BackendException("could not write the shuffled copy of '" + name() + "': " + e.getMessage(), e);
        }
    }

    @Override
    protected Map<String, Tensor> doActivations(Tensor input, List<LayerInfo> layers) {
        if (graph.inputs.size() != 1) {
            throw new InvalidInputException("model '" + name() + "' takes " + graph.inputs.size() + " inputs " + graph.inputs.keySet()
                    + ": give them by name, activations(Map.of(\"" + graph.inputs.keySet().iterator().next() + "\", ...), layers)");
        }
        return doActivations(Map.of(graph.inputs.keySet().iterator().next(), input), layers);
    }

    @Override
    protected Map<String, Tensor> doActivations(Map<String, Tensor> given, List<LayerInfo> layers) {
        Map<String, Tensor> byInput = new LinkedHashMap<>();
        for (String name : graph.inputs.keySet()) {
            Tensor t = given.containsKey(name) ? given.get(name) : given.get("input:" + name);
            if (t == null) {
                throw new InvalidInputException("model '" + name() + "' needs input '" + name + "'; given " + given.keySet());
            }
            byInput.put(name, t);
        }
        for (String k : given.keySet()) {
            if (!byInput.containsKey(k) && !(k.startsWith("input:") && byInput.containsKey(k.substring(6)))) {
                throw new InvalidInputException("model '" + name() + "' has no input '" + k + "'; its inputs are " + graph.inputs.keySet());
            }
        }
        Map<String, String> tensorOf = new LinkedHashMap<>();
        List<String> inSubgraph = new ArrayList<>();
        for (LayerInfo l : layers) {
            String t = graph.outputTensor.get(l.id());
            if (l.groupId() != null && l.groupId().contains("/")) {
                inSubgraph.add(l.id());
            }
            tensorOf.put(l.id(), t);
        }
        if (!inSubgraph.isEmpty()) {
            throw new UnsupportedCapabilityException(name(), Capability.ACTIVATIONS, "ONNX Runtime exposes only top-level tensors; "
                    + inSubgraph + " are inside If/Loop/Scan subgraphs");
        }
        List<String> wanted = tensorOf.values().stream().filter(t -> t != null && !graph.inputs.containsKey(t)).distinct().toList();
        Map<String, Tensor> values = session.run(byInput, graph.inputs, wanted);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : tensorOf.entrySet()) {
            String t = e.getValue();
            out.put(e.getKey(), graph.inputs.containsKey(t) ? byInput.get(t) : values.get(t));
        }
        return out;
    }

    @Override
    protected void doClose() {
        session.close();
        if (ownsFile) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                file.toFile().deleteOnExit();
            }
        }
    }
}
