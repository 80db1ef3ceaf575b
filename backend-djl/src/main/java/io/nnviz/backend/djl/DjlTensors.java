package io.nnviz.backend.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.nnviz.backend.djl.ndarray.NdArrays;

import java.nio.FloatBuffer;

/**
 * The block models' own reads of DJL arrays: the training listener's small arrays (a batch's
 * predictions and labels) in one native call each. The copies every DJL model shares with its
 * sub-backends (TorchScript) and the gradient sums are {@link NdArrays}'.
 */
final class DjlTensors {
    private DjlTensors() {
    }

    /**
     * A small array's values as float32, read with one native call where it is float32 already
     * ({@link NdArrays#floats} makes several: right after a training step each call into libtorch costs
     * microseconds of cold caches, more than copying a batch's predictions).
     */
    static float[] smallFloats(NDArray a) {
        if (a.getDataType() != DataType.FLOAT32) {
            return NdArrays.floats(a);
        }
        FloatBuffer b = a.toByteBuffer(false).asFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        return v;
    }
}
