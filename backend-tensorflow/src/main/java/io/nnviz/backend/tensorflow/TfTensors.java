package io.nnviz.backend.tensorflow;

import io.nnviz.api.BackendException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies between TensorFlow tensors and nnviz tensors, and between TensorFlow's layouts and the
 * canonical ones: images and activations NHWC in TensorFlow, NCHW in nnviz; weights in the layout
 * each {@link TfWeight} converts from.
 */
final class TfTensors {
    private TfTensors() {
    }

    /** A copy of a float tensor's values (float64 is narrowed), in TensorFlow's own layout. */
    static Tensor copy(org.tensorflow.Tensor t) {
        return copy(t, 0);
    }

    /**
     * A copy of the first {@code samples} entries along the first axis (all if 0 or more than
     * there are): only those bytes are read, however large the batch.
     */
    static Tensor copy(org.tensorflow.Tensor t, int samples) {
        long[] s = t.shape().asArray();
        if (samples > 0 && s.length > 0 && s[0] > samples) {
            s[0] = samples;
        }
        int[] shape = new int[s.length];
        long n = 1;
        for (int i = 0; i < s.length; i++) {
            shape[i] = Math.toIntExact(s[i]);
            n *= s[i];
        }
        return Tensor.adopt(floats(t, Math.toIntExact(n)), shape);
    }

    /** A fetched value in canonical layout (NHWC to NCHW). */
    static Tensor canonical(org.tensorflow.Tensor t) {
        return canonical(t, 0);
    }

    /** The first {@code samples} of a fetched batch (all if 0) in canonical layout. */
    static Tensor canonical(org.tensorflow.Tensor t, int samples) {
        Tensor v = copy(t, samples);
        return v.rank() == 4 ? v.permute(0, 3, 1, 2) : v;
    }

    /**
     * Copies of the weights of {@code layers} in canonical layout, by layer id: constants (frozen
     * graphs, flattened SavedModels) read from the graph itself, since a session run would first
     * optimise and place the graph, hundreds of milliseconds the first time; variables, whose
     * values change while training, read in one session run; the weights a copy with other
     * weights is fed, from its feeds.
     */
    static Map<String, List<WeightTensor>> weights(TfModel model, List<LayerInfo> layers) {
        List<String> owners = new ArrayList<>();
        List<TfWeight> ws = new ArrayList<>();
        for (LayerInfo layer : layers) {
            for (TfWeight w : model.group(layer.id()).weights) {
                if (!layer.weights().isEmpty() && layer.weights().stream().anyMatch(spec -> spec.name().equals(w.name()))) {
                    ws.add(w);
                    owners.add(layer.id());
                }
            }
        }
        Map<String, List<WeightTensor>> out = new LinkedHashMap<>();
        if (ws.isEmpty()) {
            return out;
        }
        Tensor[] values = new Tensor[ws.size()];
        Session.Runner r = model.session().runner();
        List<Integer> fetched = new ArrayList<>();
        try {
            for (int i = 0; i < ws.size(); i++) {
                GraphOperation src = constantBehind(ws.get(i).source());
                org.tensorflow.Tensor fed = model.fed(ws.get(i).source().output(0));
                if (fed != null) {
                    values[i] = copy(fed);
                } else if (src != null) {
                    try (org.tensorflow.Tensor t = src.attributes().getAttrTensor("value")) {
                        values[i] = copy(t);
                    }
                } else {
                    r.fetch(ws.get(i).source().output(0));
                    fetched.add(i);
                }
            }
            if (!fetched.isEmpty()) {
                try (Result res = r.run()) {
                    for (int k = 0; k < fetched.size(); k++) {
                        values[fetched.get(k)] = copy(res.get(k));
                    }
                }
            }
        } catch (RuntimeException e) {
            throw new BackendException("TensorFlow could not read the weights of " + owners + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < ws.size(); i++) {
            TfWeight w = ws.get(i);
            out.computeIfAbsent(owners.get(i), k -> new ArrayList<>())
                    .add(WeightTensor.of(owners.get(i), w.name(), w.role(), w.toCanonical().apply(values[i])));
        }
        return out;
    }

    /** The Const op a weight's source is, or passes on through identities; null for anything else (a variable). */
    private static GraphOperation constantBehind(GraphOperation op) {
        for (int hops = 0; op != null && hops < 8; hops++) {
            if (op.type().equals("Const")) {
                return op;
            }
            if (!op.type().equals("Identity") || op.numInputs() != 1) {
                return null;
            }
            op = (GraphOperation) op.input(0).op();
        }
        return null;
    }

    /** A copy of a float tensor's values (float64 is narrowed), in TensorFlow's layout, as a fresh array. */
    static float[] floats(org.tensorflow.Tensor t) {
        return floats(t, Math.toIntExact(t.shape().size()));
    }

    /** A copy of the first {@code count} values of a float tensor (float64 is narrowed). */
    private static float[] floats(org.tensorflow.Tensor t, int count) {
        float[] data = new float[count];
        if (t.dataType() == DataType.DT_FLOAT) {
            t.asRawTensor().data().asFloats().read(data, 0, data.length); // a bulk copy (the fresh array costs more than the read)
        } else if (t.dataType() == DataType.DT_DOUBLE) {
            double[] d = new double[data.length];
            t.asRawTensor().data().asDoubles().read(d, 0, d.length);
            for (int i = 0; i < d.length; i++) {
                data[i] = (float) d[i];
            }
        } else {
            throw new IllegalArgumentException("not a floating-point tensor: " + t.dataType());
        }
        return data;
    }

    /** The input as a graph takes it: NCHW images to NHWC, as float64 where {@code type} is, else float32; the caller closes it. */
    static org.tensorflow.Tensor input(Tensor canonical, DataType type) {
        return of(canonical.rank() == 4 ? canonical.permute(0, 2, 3, 1) : canonical, type);
    }

    /** A new tensor with the given values, in TensorFlow's layout: float64 where {@code type} is, else float32; the caller closes it. */
    static org.tensorflow.Tensor of(Tensor t, DataType type) {
        return type == DataType.DT_DOUBLE ? doubles(t) : floats(t);
    }

    /** A new float tensor with the given values; the caller closes it. */
    static TFloat32 floats(Tensor t) {
        return TFloat32.tensorOf(tfShape(t), DataBuffers.of(t.toArray(), true, false));
    }

    /** A new double tensor with the given values (for float64 graphs); the caller closes it. */
    static TFloat64 doubles(Tensor t) {
        float[] f = t.toArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return TFloat64.tensorOf(tfShape(t), DataBuffers.of(d, true, false));
    }

    private static org.tensorflow.ndarray.Shape tfShape(Tensor t) {
        long[] shape = new long[t.rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.shape().dim(i);
        }
        return org.tensorflow.ndarray.Shape.of(shape);
    }

    /** An nnviz shape from a static TensorFlow shape (unknown rank gives null). */
    static Shape shape(org.tensorflow.ndarray.Shape s) {
        if (s == null || s.isUnknown()) {
            return null;
        }
        return Shape.ofLongs(s.asArray());
    }

    /** NHWC to NCHW for a rank-4 shape; other ranks unchanged. */
    static Shape nchw(Shape s) {
        if (s == null || s.rank() != 4) {
            return s;
        }
        return Shape.of(s.dim(0), s.dim(3), s.dim(1), s.dim(2));
    }
}
