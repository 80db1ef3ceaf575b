package io.nnviz.backend.tensorflow;

import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import org.tensorflow.GraphOperation;

import java.util.function.UnaryOperator;

/**
 * A weight of a layer: the variable or constant, its role, and its conversion to canonical
 * layout, in Java ({@code toCanonical}) and as a TensorFlow axis permutation ({@code perm}, null
 * when the layout is already canonical or the conversion is more than a transpose).
 *
 * @param name        the variable's or constant's op name
 * @param source      the variable or constant op
 * @param role        what the weight is to its layer
 * @param toCanonical TensorFlow's layout of the values to the canonical one
 * @param perm        the same conversion as an axis permutation, or null
 */
record TfWeight(String name, GraphOperation source, WeightRole role, UnaryOperator<Tensor> toCanonical, int[] perm) {
    /** A weight whose conversion is no permutation (none, or more than a transpose). */
    TfWeight(String name, GraphOperation source, WeightRole role, UnaryOperator<Tensor> toCanonical) {
        this(name, source, role, toCanonical, null);
    }

    /** Whether the weight is a variable ({@code Variable}, {@code VariableV2}, {@code VarHandleOp}), which training updates, not a constant. */
    boolean variable() {
        return source.type().startsWith("Var");
    }
}
