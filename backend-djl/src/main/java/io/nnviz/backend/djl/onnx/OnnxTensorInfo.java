package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import io.nnviz.api.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * What shape inference knows of one tensor of an ONNX graph, from the file's declarations and
 * tensors or inferred by a rule.
 *
 * @param dims   its dimensions, or null if even its rank is unknown
 * @param type   its ONNX element type ({@link OnnxTensors#FLOAT}, ...), 0 if unknown
 * @param values the values of a small integer tensor, flattened, or null
 * @param floats the values of a small float tensor (resize scales), or null
 */
record OnnxTensorInfo(List<OnnxDim> dims, int type, List<OnnxDim> values, double[] floats) {
    /** Integer and float tensors up to this many elements keep their values. */
    private static final int MAX_VALUES = 64;

    static OnnxTensorInfo of(List<OnnxDim> dims, int type) {
        return new OnnxTensorInfo(dims == null ? null : List.copyOf(dims), type, null, null);
    }

    /** A value info's declared type and shape: sizes, and symbols for its {@code dim_param}s. */
    static OnnxTensorInfo declared(OnnxMl.ValueInfoProto v) {
        if (!v.hasType() || !v.getType().hasTensorType()) {
            return of(null, 0);
        }
        OnnxMl.TypeProto.Tensor t = v.getType().getTensorType();
        if (!t.hasShape()) {
            return of(null, t.getElemType());
        }
        List<OnnxDim> d = new ArrayList<>();
        for (OnnxMl.TensorShapeProto.Dimension x : t.getShape().getDimList()) {
            d.add(x.hasDimValue() ? OnnxDim.of(x.getDimValue()) : OnnxDim.symbol(x.getDimParam()));
        }
        return of(d, t.getElemType());
    }

    /** A tensor the file holds (an initializer, a Constant's value): its dims, and its values when it is small. */
    static OnnxTensorInfo held(OnnxMl.TensorProto t) {
        List<OnnxDim> d = new ArrayList<>();
        long n = 1;
        for (long x : t.getDimsList()) {
            d.add(OnnxDim.of(x));
            n *= Math.max(0, x);
        }
        OnnxTensorInfo info = of(d, t.getDataType());
        if (n <= MAX_VALUES && (t.getDataType() == OnnxTensors.INT64 || t.getDataType() == OnnxTensors.INT32)) {
            long[] v = OnnxTensors.longs(t, (int) n);
            if (v != null) {
                info = info.withValues(OnnxDim.values(v)); // values may be negative: kept as they are
            }
        } else if (n <= MAX_VALUES && t.getDataType() == OnnxTensors.FLOAT) {
            float[] f = OnnxTensors.floats(t);
            if (f.length == n) {
                double[] dd = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    dd[i] = f[i];
                }
                info = new OnnxTensorInfo(info.dims(), info.type(), null, dd);
            }
        }
        return info;
    }

    OnnxTensorInfo withValues(List<OnnxDim> v) {
        return new OnnxTensorInfo(dims, type, v == null ? null : List.copyOf(v), floats);
    }

    int rank() {
        return dims == null ? -1 : dims.size();
    }

    /** As nnviz's shape: unknown and symbolic dimensions are {@link Shape#UNKNOWN}. */
    Shape toShape() {
        if (dims == null) {
            return null;
        }
        long[] d = new long[dims.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = dims.get(i).known() && dims.get(i).size() <= Integer.MAX_VALUE ? dims.get(i).size() : -1;
        }
        return Shape.ofLongs(d);
    }

    /** True if some dimension is a symbol. */
    boolean symbolic() {
        return dims != null && dims.stream().anyMatch(d -> d.symbol() != null);
    }

    @Override
    public String toString() {
        return dims == null ? "?" : dims.toString();
    }
}
