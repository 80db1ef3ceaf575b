package io.nnviz.backend.dl4j;

import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.WeightShuffle;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Copies between ND4J arrays and nnviz tensors, out of any workspace, and between a node's DL4J
 * layouts and the canonical ones: NHWC images (Keras imports) to NCHW, recurrent activations
 * {@code [N, C, T]} to {@code [N, T, C]} (1-D convolution maps stay NCW), flattened images to
 * {@code [N, C, H, W]}, and parameters by their {@link Dl4jWeightRoles.ParamMapping}.
 */
final class Dl4jTensors {
    private Dl4jTensors() {
    }

    /** A copy of {@code a} (or of its first {@code maxSamples} rows if positive) as a tensor, in ND4J's own layout. */
    static Tensor copy(INDArray a, int maxSamples) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray v = maxSamples > 0 && a.rank() >= 1 && a.size(0) > maxSamples ? firstRows(a, maxSamples) : a;
            long[] s = v.shape();
            int[] shape = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                shape[i] = Math.toIntExact(s[i]);
            }
            float[] data = new float[Math.toIntExact(v.length())];
            boolean contiguous = v.dataType() == DataType.FLOAT && v.elementWiseStride() == 1 && !v.isEmpty();
            if (contiguous && (v.ordering() == 'c' || v.ordering() == 'f' || v.rank() < 2)) {
                // contiguous (parameters are views into one flat buffer): one copy, straight out
                FloatBuffer fb = v.data().asNioFloat();
                fb.position(Math.toIntExact(v.offset()));
                fb.get(data);
                if (v.ordering() == 'f' && v.rank() >= 2) {
                    // column-major (a dense layer's weights and their gradients): the row-major values of the reversed
                    // shape, reordered only when read in order (Tensor.permuteLater), which a transposing parameter
                    // mapping then undoes without any reordering; no ND4J copy on the training thread
                    int[] reversed = new int[shape.length], axes = new int[shape.length];
                    for (int i = 0; i < shape.length; i++) {
                        reversed[i] = shape[shape.length - 1 - i];
                        axes[i] = shape.length - 1 - i;
                    }
                    return Tensor.adopt(data, reversed).permuteLater(axes);
                }
            } else {
                INDArray c = v.dataType() == DataType.FLOAT ? v.dup('c') : v.castTo(DataType.FLOAT).dup('c');
                c.data().asNioFloat().get(data);
            }
            return Tensor.adopt(data, shape);
        }
    }

    /** A view of the first {@code n} rows (samples) of {@code a}. */
    static INDArray firstRows(INDArray a, long n) {
        INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
        idx[0] = NDArrayIndex.interval(0, n);
        for (int i = 1; i < idx.length; i++) {
            idx[i] = NDArrayIndex.all();
        }
        return a.get(idx);
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

    /** The DL4J array of node {@code n} (an activation, a gradient) as a canonical tensor (first {@code maxSamples} samples if > 0). */
    static Tensor canonical(Dl4jNode n, INDArray a, int maxSamples) {
        Tensor t = copy(a, maxSamples);
        if (n.flatImage && t.rank() == 2 && n.outputShape != null && n.outputShape.rank() == 4) {
            return t.reshape(t.shape().dim(0), n.outputShape.dim(1), n.outputShape.dim(2), n.outputShape.dim(3));
        }
        if (t.rank() == 4 && n.nhwc) {
            return t.permute(0, 3, 1, 2);
        }
        if (t.rank() == 3 && (n.conv1d == n.nwc)) {
            // sequences to [N, T, C] from NCW; 1-D conv maps to NCW from NWC
            return t.permute(0, 2, 1);
        }
        return t;
    }

    /** A canonical input tensor as the DL4J array input node {@code n} takes. */
    static INDArray networkInput(Dl4jNode n, Tensor t) {
        if (n.flatImage && t.rank() == 4) {
            return array(t.reshape(t.shape().dim(0), t.size() / t.shape().dim(0)));
        }
        if (t.rank() == 4 && n.nhwc) {
            return array(t.permute(0, 2, 3, 1));
        }
        if (t.rank() == 3 && !n.nwc) {
            return array(t.permute(0, 2, 1));
        }
        return array(t);
    }

    /** The parameters of node {@code n} among {@code params} (by DL4J parameter key), copied into canonical weights. */
    static List<WeightTensor> weights(Dl4jNode n, Map<String, INDArray> params) {
        List<WeightTensor> out = new ArrayList<>(n.paramKeys.size());
        for (int i = 0; i < n.paramKeys.size(); i++) {
            INDArray p = params.get(n.paramKeys.get(i));
            if (p == null) {
                continue;
            }
            Dl4jWeightRoles.ParamMapping m = n.mappings.get(i);
            out.add(WeightTensor.of(n.id, m.name(), m.role(), m.toCanonical().apply(copy(p))));
        }
        return out;
    }

    /** Shuffles the values of {@code a} in place, in row-major order ({@link WeightShuffle}), keeping its data type. */
    static void shuffleInPlace(INDArray a, SplittableRandom random) {
        float[] v = WeightShuffle.shuffle(a.dup('c').data().asFloat(), random);
        a.assign(Nd4j.create(v, a.shape(), 'c').castTo(a.dataType()));
    }
}
