package io.nnviz.backend.djl.ndarray;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;

/**
 * Copies between DJL's arrays ({@link NDArray}) and nnviz {@link Tensor}s, for every DJL model (block
 * models, TorchScript modules) and the gradient sums. DJL (PyTorch) already uses nnviz's canonical
 * layouts (NCHW, OIHW kernels, Linear weights {@code [out, in]}), so a copy keeps the shape and the
 * order of values; values are float32 on the Java side.
 */
public final class NdArrays {
    private NdArrays() {
    }

    /** The array as a tensor of its shape, in fresh Java memory. */
    public static Tensor copy(NDArray a) {
        return Tensor.adopt(Shape.ofLongs(a.getShape().getShape()), floats(a));
    }

    /** The array's values as float32, in a fresh Java array. */
    public static float[] floats(NDArray a) {
        return a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    /** The tensor as a float32 array of its shape in {@code m}. */
    public static NDArray array(NDManager m, Tensor t) {
        return array(m, t.toArray(), t.shape().toArray());
    }

    /** {@code values} as a float32 array of shape {@code dims} in {@code m}. */
    public static NDArray array(NDManager m, float[] values, int... dims) {
        long[] s = new long[dims.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = dims[i];
        }
        return m.create(values, new ai.djl.ndarray.types.Shape(s));
    }
}
