package io.nnviz.backend.djl.torchscript;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.nnviz.api.Tensor;
import io.nnviz.backend.djl.ndarray.NdArrays;

/**
 * nnviz {@link Tensor}s as a TorchScript module's inputs; every other copy between PyTorch's arrays
 * and tensors is {@link NdArrays}'.
 */
final class TorchScriptTensors {
    private TorchScriptTensors() {
    }

    /**
     * The tensor as a module input: int64 when every value is a whole number (token ids, masks,
     * token types, which is what modules taking them expect), else float32.
     */
    static NDArray input(NDManager m, Tensor t) {
        NDArray a = NdArrays.array(m, t);
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
