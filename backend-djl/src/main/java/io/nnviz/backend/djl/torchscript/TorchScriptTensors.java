package io.nnviz.backend.djl.torchscript;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;

/**
 * Copies between PyTorch's arrays (DJL's {@link NDArray}) and nnviz {@link Tensor}s. PyTorch's
 * layouts are nnviz's canonical ones (NCHW, OIHW kernels, Linear weights {@code [out, in]}), so a
 * copy keeps the shape and the order of values; values are float32 on the Java side.
 */
final class TorchScriptTensors {
    private TorchScriptTensors() {
    }

    /** The array as a tensor of its shape, in fresh Java memory. */
    static Tensor copy(NDArray a) {
        return Tensor.adopt(Shape.ofLongs(a.getShape().getShape()), floats(a));
    }

    /** The array's values as float32, in a fresh Java array. */
    static float[] floats(NDArray a) {
        return a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    /** The tensor as a float32 array of its shape in {@code m}. */
    static NDArray array(NDManager m, Tensor t) {
        long[] s = new long[t.rank()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.shape().dim(i);
        }
        return m.create(t.toArray(), new ai.djl.ndarray.types.Shape(s));
    }

    /**
     * The tensor as a module input: int64 when every value is a whole number (token ids, masks,
     * token types, which is what modules taking them expect), else float32.
     */
    static NDArray input(NDManager m, Tensor t) {
        NDArray a = array(m, t);
        return wholeNumbers(t) ? a.toType(DataType.INT64, false) : a;
    }

    private static boolean wholeNumbers(Tensor t) {
        for (int i = 0; i < t.size(); i++) {
            float v = t.getFlat(i);
            if (v != Math.rint(v)) {
                return false;
            }
        }
        return true;
    }
}
