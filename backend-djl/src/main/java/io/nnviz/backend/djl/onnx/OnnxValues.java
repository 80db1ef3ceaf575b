package io.nnviz.backend.djl.onnx;

import java.util.ArrayList;
import java.util.List;

/**
 * The values of a small integer tensor of any rank (flattened row-major, as
 * {@link OnnxTensorInfo#values()} holds them) rearranged as {@code Slice} and {@code Transpose}
 * rearrange the tensor: exporters build pad lists that way ({@code torch.nn.functional.pad}:
 * {@code Concat}, {@code Reshape} to {@code [-1, 2]}, a reversing {@code Slice}, {@code Transpose},
 * {@code Reshape} to {@code [-1]}).
 */
final class OnnxValues {
    private OnnxValues() {
    }

    /** The sizes of {@code dims} when all are sizes and they hold {@code count} values, else null. */
    private static int[] sizes(List<OnnxDim> dims, int count) {
        int[] s = new int[dims.size()];
        long n = 1;
        for (int i = 0; i < s.length; i++) {
            if (!dims.get(i).known()) {
                return null;
            }
            s[i] = (int) dims.get(i).size();
            n *= s[i];
        }
        return n == count ? s : null;
    }

    /**
     * The values at the indices {@code picked} keeps along each axis (null: the whole axis) of a
     * tensor of {@code dims} holding {@code values}; null when its sizes are not all known.
     */
    static List<OnnxDim> pick(List<OnnxDim> dims, List<OnnxDim> values, int[][] picked) {
        int[] s = sizes(dims, values.size());
        if (s == null) {
            return null;
        }
        int[][] along = new int[s.length][];
        for (int a = 0; a < s.length; a++) {
            along[a] = picked[a] != null ? picked[a] : range(s[a]);
        }
        List<OnnxDim> out = new ArrayList<>();
        walk(s, along, 0, 0, values, out);
        return out;
    }

    private static void walk(int[] sizes, int[][] along, int axis, int offset, List<OnnxDim> values, List<OnnxDim> out) {
        if (axis == sizes.length) {
            out.add(values.get(offset));
            return;
        }
        int stride = 1;
        for (int a = axis + 1; a < sizes.length; a++) {
            stride *= sizes[a];
        }
        for (int i : along[axis]) {
            walk(sizes, along, axis + 1, offset + i * stride, values, out);
        }
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    /** The values of a tensor of {@code dims} transposed by {@code perm}; null when its sizes are not all known. */
    static List<OnnxDim> transpose(List<OnnxDim> dims, List<OnnxDim> values, int[] perm) {
        int[] s = sizes(dims, values.size());
        if (s == null || perm.length != s.length) {
            return null;
        }
        int rank = s.length;
        int[] strides = new int[rank], outSizes = new int[rank];
        for (int a = rank - 1, st = 1; a >= 0; a--) {
            strides[a] = st;
            st *= s[a];
        }
        for (int a = 0; a < rank; a++) {
            outSizes[a] = s[perm[a]];
        }
        List<OnnxDim> out = new ArrayList<>();
        int[] idx = new int[rank];
        for (int k = 0; k < values.size(); k++) {
            int src = 0;
            for (int a = 0; a < rank; a++) {
                src += idx[a] * strides[perm[a]];
            }
            out.add(values.get(src));
            for (int a = rank - 1; a >= 0 && ++idx[a] == outSizes[a]; a--) {
                idx[a] = 0;
            }
        }
        return out;
    }
}
