package io.nnviz.api;

import java.util.Objects;

/**
 * Describes one weight tensor of a layer without its values: cheap to hold for every layer of a
 * big model. {@link ModelView#weights(String)} returns the values.
 *
 * @param name  the framework's parameter name (for example {@code W}, {@code conv1_kernel})
 * @param role  what the tensor does
 * @param shape its shape in canonical layout
 * @param dtype how the file or framework stores it ({@link DType#FLOAT32} unless said); its values
 *              are float32 whatever this is
 */
public record WeightSpec(String name, WeightRole role, Shape shape, DType dtype) {
    /** Validates the arguments. */
    public WeightSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(dtype, "dtype");
        if (!shape.isKnown()) {
            throw new IllegalArgumentException("weight '" + name + "' needs a known shape, got " + shape);
        }
    }

    /** A weight stored as float32. */
    public WeightSpec(String name, WeightRole role, Shape shape) {
        this(name, role, shape, DType.FLOAT32);
    }

    /** Number of scalar parameters. */
    public long size() {
        return shape.size();
    }
}
