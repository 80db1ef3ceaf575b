package io.nnviz.backend.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;

import java.nio.FloatBuffer;

/**
 * Copies between DJL's arrays ({@link NDArray}) and nnviz {@link Tensor}s. DJL (PyTorch) already
 * uses nnviz's canonical layouts (NCHW, OIHW kernels, Linear weights {@code [out, in]}), so a copy
 * keeps the shape and the order of values; values are float32 on the Java side.
 */
final class DjlTensors {
    private DjlTensors() {
    }

    /** The array as a tensor of its shape, in fresh Java memory. */
    static Tensor copy(NDArray a) {
        return Tensor.adopt(Shape.ofLongs(a.getShape().getShape()), floats(a));
    }

    /** The array's values as float32, in a fresh Java array. */
    static float[] floats(NDArray a) {
        return a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    /**
     * A small array's values as float32, read with one native call where it is float32 already
     * ({@link #floats} makes several: right after a training step each call into libtorch costs
     * microseconds of cold caches, more than copying a batch's predictions).
     */
    static float[] smallFloats(NDArray a) {
        if (a.getDataType() != DataType.FLOAT32) {
            return floats(a);
        }
        FloatBuffer b = a.toByteBuffer(false).asFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        return v;
    }

    /** The tensor as a float32 array of its shape in {@code m}. */
    static NDArray array(NDManager m, Tensor t) {
        long[] s = new long[t.rank()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.shape().dim(i);
        }
        return m.create(t.toArray(), new ai.djl.ndarray.types.Shape(s));
    }
}
