package io.nnviz.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One layer (node) of a model, described the same way for every framework.
 *
 * <p>Shapes include the batch dimension, usually {@link Shape#UNKNOWN}, and are in canonical
 * layout (see {@link Tensor}). The weights are described by {@link WeightSpec}s, so a big model
 * can be described without copying its values; {@link ModelView#weights(String)} returns the values.
 *
 * <pre>{@code
 * Layer conv = Layer.builder("conv1", LayerKind.CONV)
 *         .frameworkType("ConvolutionLayer")
 *         .inputShape(Shape.of(-1, 1, 28, 28))
 *         .outputShape(Shape.of(-1, 20, 24, 24))
 *         .weight(new WeightSpec("W", WeightRole.KERNEL, Shape.of(20, 1, 5, 5)))
 *         .weight(new WeightSpec("b", WeightRole.BIAS, Shape.of(20)))
 *         .attribute("kernel", "5x5")
 *         .build();
 * }</pre>
 *
 * @param id            stable id, unique in the model; what edges, activations and weights refer to
 * @param name          display name (often equal to the id); any characters, never trusted as markup
 * @param kind          the neutral family of the layer
 * @param frameworkType the framework's own type name (for example {@code ConvolutionLayer}, {@code Conv2D})
 * @param inputShapes   shapes of the inputs, in order; empty for model inputs
 * @param outputShape   shape of the output, or {@code null} where the framework does not say
 * @param weights       the layer's own weight tensors
 * @param attributes    kernel size, stride, padding, activation function, units, ... in display order
 * @param groupId       id of the innermost {@link Group} holding this layer, or {@code null}
 */
public record LayerInfo(String id, String name, LayerKind kind, String frameworkType, List<Shape> inputShapes,
                    Shape outputShape, List<WeightSpec> weights, Map<String, String> attributes, String groupId) {

    /** Validates and copies the arguments. */
    public LayerInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(frameworkType, "frameworkType");
        inputShapes = List.copyOf(inputShapes);
        weights = List.copyOf(weights);
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            Objects.requireNonNull(e.getKey(), "attribute name");
            Objects.requireNonNull(e.getValue(), "attribute " + e.getKey());
        }
    }

    /** A builder for a layer with the given id and kind (name defaults to the id). */
    public static Builder builder(String id, LayerKind kind) {
        return new Builder(id, kind);
    }

    /** Total number of scalar parameters in this layer's weights. */
    public long parameterCount() {
        long n = 0;
        for (WeightSpec w : weights) {
            n += w.size();
        }
        return n;
    }

    /** The weight with the given role, if the layer has exactly one such; otherwise {@code null}. */
    public WeightSpec weight(WeightRole role) {
        WeightSpec found = null;
        for (WeightSpec w : weights) {
            if (w.role() == role) {
                if (found != null) {
                    return null;
                }
                found = w;
            }
        }
        return found;
    }

    /** Builds {@link LayerInfo}s; not thread-safe. */
    public static final class Builder {
        private final String id;
        private final LayerKind kind;
        private String name;
        private String frameworkType;
        private final List<Shape> inputShapes = new ArrayList<>();
        private Shape outputShape;
        private final List<WeightSpec> weights = new ArrayList<>();
        private final Map<String, String> attributes = new LinkedHashMap<>();
        private String groupId;

        private Builder(String id, LayerKind kind) {
            this.id = Objects.requireNonNull(id, "id");
            this.kind = Objects.requireNonNull(kind, "kind");
        }

        /** Display name; defaults to the id. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The framework's type name; defaults to the kind's name. */
        public Builder frameworkType(String type) {
            this.frameworkType = Objects.requireNonNull(type, "type");
            return this;
        }

        /** Adds an input shape. */
        public Builder inputShape(Shape shape) {
            inputShapes.add(Objects.requireNonNull(shape, "shape"));
            return this;
        }

        /** Sets the output shape. */
        public Builder outputShape(Shape shape) {
            this.outputShape = shape;
            return this;
        }

        /** Adds a weight description. */
        public Builder weight(WeightSpec weight) {
            weights.add(Objects.requireNonNull(weight, "weight"));
            return this;
        }

        /** Adds or replaces an attribute. */
        public Builder attribute(String key, Object value) {
            attributes.put(Objects.requireNonNull(key, "key"), String.valueOf(value));
            return this;
        }

        /** Puts the layer in a group. */
        public Builder group(String groupId) {
            this.groupId = groupId;
            return this;
        }

        /** Builds the layer. */
        public LayerInfo build() {
            return new LayerInfo(id, name == null ? id : name, kind,
                    frameworkType == null ? kind.name() : frameworkType,
                    inputShapes, outputShape, weights, attributes, groupId);
        }
    }
}
