package io.nnviz.backend.dl4j;

import io.nnviz.api.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Copies between ND4J arrays and nnviz tensors, out of any workspace. */
final class Nd {
    private Nd() {
    }

    /** A copy of {@code a} (or of its first {@code maxSamples} rows if positive) as a tensor, in ND4J's own layout. */
    static Tensor copy(INDArray a, int maxSamples) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray v = a;
            if (maxSamples > 0 && a.rank() >= 1 && a.size(0) > maxSamples) {
                INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
                idx[0] = NDArrayIndex.interval(0, maxSamples);
                for (int i = 1; i < idx.length; i++) {
                    idx[i] = NDArrayIndex.all();
                }
                v = a.get(idx);
            }
            long[] s = v.shape();
            int[] shape = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                shape[i] = Math.toIntExact(s[i]);
            }
            float[] data = new float[Math.toIntExact(v.length())];
            if (v.dataType() == DataType.FLOAT && v.ordering() == 'c' && v.elementWiseStride() == 1 && !v.isEmpty()) {
                // contiguous row-major (parameters are views into one flat buffer): one copy, straight out
                java.nio.FloatBuffer fb = v.data().asNioFloat();
                fb.position(Math.toIntExact(v.offset()));
                fb.get(data);
            } else {
                INDArray c = v.dataType() == DataType.FLOAT ? v.dup('c') : v.castTo(DataType.FLOAT).dup('c');
                c.data().asNioFloat().get(data);
            }
            return Tensor.adopt(data, shape);
        }
    }

    /** A copy of the whole array. */
    static Tensor copy(INDArray a) {
        return copy(a, 0);
    }

    /** A float ND4J array holding the tensor's values. */
    static INDArray array(Tensor t) {
        long[] shape = new long[t.rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.shape().dim(i);
        }
        return Nd4j.create(t.toArray(), shape, 'c');
    }
}
