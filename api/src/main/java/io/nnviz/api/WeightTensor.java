package io.nnviz.api;

import java.util.Objects;

/**
 * The values of one weight tensor of one layer, in canonical layout for its role.
 *
 * @param layerId the id of the layer that owns it
 * @param name    the framework's parameter name
 * @param role    what the tensor does
 * @param values  the values; shape in canonical layout
 */
public record WeightTensor(String layerId, String name, WeightRole role, Tensor values) {
    /** Validates the arguments. */
    public WeightTensor {
        Objects.requireNonNull(layerId, "layerId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(values, "values");
    }

    /** A weight tensor with the given values. */
    public static WeightTensor of(String layerId, String name, WeightRole role, Tensor values) {
        return new WeightTensor(layerId, name, role, values);
    }

    /** The description of this tensor without its values. */
    public WeightSpec spec() {
        return new WeightSpec(name, role, values.shape());
    }
}
