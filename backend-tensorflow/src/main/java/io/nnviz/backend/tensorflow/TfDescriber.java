package io.nnviz.backend.tensorflow;

import io.nnviz.api.Edge;
import io.nnviz.api.Group;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightSpec;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.RunOptions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Describes a TensorFlow graph's structure: its layers (grouped from the ops by
 * {@link TfOpGroups}) with their kinds, shapes in canonical layout and weight specs, the edges
 * between them, the name scope they share, and the model's properties.
 */
final class TfDescriber {
    private TfDescriber() {
    }

    /**
     * A graph's structure: what the model shows, and behind each layer id the ops that make it.
     *
     * @param input      the input placeholder
     * @param output     the output op
     * @param layers     the layers, in topological order (the input first)
     * @param edges      which layer reads which
     * @param scopes     the name scope every layer shares, if any (a Keras model inside a TF 2 function)
     * @param properties the model's properties (its ops, devices, TensorFlow version)
     * @param groups     the ops, weights and output of each layer, by layer id
     */
    record Description(GraphOperation input, GraphOperation output, List<LayerInfo> layers, List<Edge> edges, List<Group> scopes,
                       Map<String, String> properties, Map<String, TfLayer> groups) {
    }

    /** The structure of {@code g} between its named input and output. */
    static Description describe(TfGraph g) {
        if (g.input() == null || g.output() == null) {
            throw new InvalidInputException("name the graph's input and output: TfGraph.of(graph, session).input(\"x\").output(\"logits\")");
        }
        GraphOperation in = g.graph().operation(g.input()), out = g.graph().operation(g.output());
        if (in == null) {
            throw new InvalidInputException("the graph has no operation named '" + g.input() + "' (the input)");
        }
        if (out == null) {
            throw new InvalidInputException("the graph has no operation named '" + g.output() + "' (the output)");
        }
        TfOpGroups reader = new TfOpGroups(in, out);
        List<TfLayer> read = reader.read();
        Map<String, TfLayer> byId = new LinkedHashMap<>();
        List<LayerInfo> layers = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        for (TfLayer grp : read) {
            byId.put(grp.id, grp);
            LayerInfo.Builder b = LayerInfo.builder(grp.id, grp.kind).name(grp.id)
                    .frameworkType(grp.kind == LayerKind.INPUT ? "Placeholder" : grp.types())
                    .outputShape(TfTensors.nchw(TfTensors.shape(grp.output.shape())));
            for (String src : grp.inputs) {
                TfLayer s = byId.get(src);
                if (s != null && s.output != null) {
                    b.inputShape(TfTensors.nchw(TfTensors.shape(s.output.shape())));
                }
                edges.add(new Edge(src, grp.id));
            }
            if (!reader.prefix().isEmpty() && grp.kind != LayerKind.INPUT) {
                b.group(reader.prefix());
            }
            b.attribute("output op", grp.output.op().name());
            if (grp.kind != LayerKind.ACTIVATION && grp.kind != LayerKind.INPUT && TfOpRoles.ACTIVATIONS.contains(grp.output.op().type())) {
                b.attribute("activation", grp.output.op().type()); // conv1/Conv2D, BiasAdd, Relu: the layer ends in its activation
            }
            b.attribute("ops", grp.ops.size());
            for (TfWeight w : grp.weights) {
                Shape tf = TfTensors.shape(w.source().output(0).shape());
                if (tf == null || tf.rank() == 0) {
                    continue;
                }
                Shape canonical = w.toCanonical().apply(Tensor.zeros(tf.toArray())).shape();
                b.weight(new WeightSpec(w.name(), w.role(), canonical));
            }
            layers.add(b.build());
        }
        Map<String, String> props = new LinkedHashMap<>();
        props.put("input op", in.name());
        props.put("output op", out.name());
        props.put("graph operations", String.valueOf(count(g.graph())));
        props.put("devices", devices(g.session(), read));
        props.put("tensorflow", TensorFlow.version());
        List<Group> scopes = new ArrayList<>();
        if (!reader.prefix().isEmpty()) { // the name scope every layer shares (a Keras model inside a TF 2 function)
            String p = reader.prefix();
            scopes.add(new Group(p, p.substring(p.lastIndexOf('/') + 1), "name scope", null,
                    layers.stream().filter(l -> l.kind() != LayerKind.INPUT).map(LayerInfo::id).toList()));
            props.put("name scope", p);
        }
        return new Description(in, out, layers, edges, scopes, props, byId);
    }

    private static int count(Graph graph) {
        int n = 0;
        for (var it = graph.operations(); it.hasNext(); it.next()) {
            n++;
        }
        return n;
    }

    /** The devices the session ran on, from a traced run that reads one weight (a software trace: a hardware one starts the profiler). */
    private static String devices(Session session, List<TfLayer> groups) {
        for (TfLayer g : groups) {
            for (TfWeight w : g.weights) {
                try {
                    RunOptions opts = RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.SOFTWARE_TRACE).build();
                    try (Result r = session.runner().fetch(w.source().output(0)).setOptions(opts).runAndFetchMetadata()) {
                        Set<String> devs = new TreeSet<>();
                        r.getMetadata().ifPresent(md -> md.getStepStats().getDevStatsList().forEach(d -> devs.add(d.getDevice())));
                        return devs.isEmpty() ? "unknown" : String.join(", ", devs);
                    }
                } catch (RuntimeException e) {
                    return "unknown (" + e.getMessage() + ")";
                }
            }
        }
        return "unknown";
    }
}
