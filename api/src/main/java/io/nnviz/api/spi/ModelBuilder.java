package io.nnviz.api.spi;

import io.nnviz.api.Edge;
import io.nnviz.api.Group;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Describes a model by hand, with no framework: for a hand-written network, a format nnviz has
 * no backend for, or a figure of a design that does not exist yet. Layers may be added in any
 * order; {@link #build()} sorts them topologically and checks that weights match their specs.
 *
 * <pre>{@code
 * Model mlp = ModelBuilder.of("mlp")
 *         .layer(Layer.builder("in", LayerKind.INPUT).outputShape(Shape.of(-1, 4)).build())
 *         .layer(Layer.builder("fc1", LayerKind.DENSE).outputShape(Shape.of(-1, 8))
 *                 .weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(8, 4))).build())
 *         .chain("in", "fc1")
 *         .weights("fc1", WeightTensor.of("fc1", "W", WeightRole.KERNEL, w))
 *         .forward((input, ids) -> myForward(input, ids))   // optional: enables activations
 *         .build();
 * }</pre>
 */
public final class ModelBuilder {

    /** Computes the outputs of the requested layers for an input; see {@link ModelView#activations}. */
    @FunctionalInterface
    public interface Forward {
        /** Returns layer id to output for each requested id. */
        Map<String, Tensor> run(Tensor input, Collection<String> layerIds);
    }

    /** Computes d(output[target]) / d(input); see {@link ModelView#inputGradient}. */
    @FunctionalInterface
    public interface InputGradient {
        /** Returns a tensor with the input's shape. */
        Tensor run(Tensor input, int target);
    }

    private final String name;
    private String framework = "hand-built";
    private final List<LayerInfo> layers = new ArrayList<>();
    private final List<Edge> edges = new ArrayList<>();
    private final List<Group> groups = new ArrayList<>();
    private final Map<String, List<WeightTensor>> weights = new LinkedHashMap<>();
    private final Map<String, String> properties = new LinkedHashMap<>();
    private Forward forward;
    private InputGradient inputGradient;

    private ModelBuilder(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** A builder for a model with the given display name. */
    public static ModelBuilder of(String name) {
        return new ModelBuilder(name);
    }

    /** The framework label shown in summaries (default {@code hand-built}). */
    public ModelBuilder framework(String framework) {
        this.framework = Objects.requireNonNull(framework, "framework");
        return this;
    }

    /** Adds a layer. */
    public ModelBuilder layer(LayerInfo layer) {
        layers.add(Objects.requireNonNull(layer, "layer"));
        return this;
    }

    /** Adds an edge. */
    public ModelBuilder edge(String from, String to) {
        edges.add(new Edge(from, to));
        return this;
    }

    /** Adds edges between consecutive ids: {@code chain("a", "b", "c")} adds a->b and b->c. */
    public ModelBuilder chain(String... ids) {
        for (int i = 1; i < ids.length; i++) {
            edge(ids[i - 1], ids[i]);
        }
        return this;
    }

    /** Adds a group (nested block). */
    public ModelBuilder group(Group group) {
        groups.add(Objects.requireNonNull(group, "group"));
        return this;
    }

    /** Sets the values of a layer's weights, in the order of its specs. */
    public ModelBuilder weights(String layerId, WeightTensor... values) {
        weights.put(Objects.requireNonNull(layerId, "layerId"), List.of(values));
        return this;
    }

    /** Adds a property shown in summaries. */
    public ModelBuilder property(String key, String value) {
        properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** Enables {@link ModelView#activations}. */
    public ModelBuilder forward(Forward forward) {
        this.forward = Objects.requireNonNull(forward, "forward");
        return this;
    }

    /** Enables {@link ModelView#inputGradient}. */
    public ModelBuilder inputGradient(InputGradient gradient) {
        this.inputGradient = Objects.requireNonNull(gradient, "gradient");
        return this;
    }

    /**
     * Validates and builds the model.
     *
     * @throws InvalidInputException naming the layer, edge or weight at fault: duplicate ids,
     *                               edges to unknown layers, cycles, weights that do not match specs
     */
    public ModelView build() {
        return new HandBuiltModel(name, framework, layers, edges, groups, weights, properties, forward, inputGradient);
    }
}
