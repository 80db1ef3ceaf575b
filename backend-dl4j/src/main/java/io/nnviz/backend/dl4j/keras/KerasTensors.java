package io.nnviz.backend.dl4j.keras;

import com.fasterxml.jackson.databind.JsonNode;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Keras file's weights as nnviz tensors: the names Keras 3 gives a layer's variables (its file
 * keeps only their order), each weight's role, and its values read with jHDF and moved to nnviz's
 * canonical layouts: convolution kernels {@code [k..., in, out]} to {@code [out, in, k...]}
 * ({@code HWIO} to {@code OIHW}, {@code DHWIO} to {@code OIDHW}), transposed ones
 * {@code [k..., out, in]} likewise, depthwise kernels {@code [k..., in, multiplier]} to
 * {@code [in x multiplier, 1, k...]}, dense and recurrent kernels {@code [in, out]} to
 * {@code [out, in]}; embeddings, normalisation parameters and biases as they are.
 */
final class KerasTensors {
    private KerasTensors() {
    }

    /** The names of the variables a Keras 3 layer of class {@code cls} saves in its group's {@code sub} part, in order. */
    static List<String> names(String cls, JsonNode cfg, String sub) {
        List<String> n = new ArrayList<>();
        boolean bias = cfg.path("use_bias").asBoolean(true);
        String leaf = sub.substring(sub.lastIndexOf('/') + 1);
        if (leaf.equals("cell") || leaf.endsWith("_cell")) {
            n.add("kernel");
            n.add("recurrent_kernel");
            if (bias) {
                n.add("bias");
            }
            return n;
        }
        if (!sub.isEmpty()) {
            // sublayers an attention layer holds: its dense projections
            if (leaf.contains("dense")) {
                n.add("kernel");
                n.add("bias");
            }
            return n;
        }
        switch (cls) {
            case "BatchNormalization", "LayerNormalization", "GroupNormalization" -> {
                if (cfg.path("scale").asBoolean(true)) {
                    n.add("gamma");
                }
                if (cfg.path("center").asBoolean(true)) {
                    n.add("beta");
                }
                if (cls.equals("BatchNormalization")) {
                    n.add("moving_mean");
                    n.add("moving_variance");
                }
            }
            case "Embedding" -> n.add("embeddings");
            case "PReLU" -> n.add("alpha");
            case "SeparableConv1D", "SeparableConv2D" -> {
                n.add("depthwise_kernel");
                n.add("pointwise_kernel");
                if (bias) {
                    n.add("bias");
                }
            }
            default -> {
                if (KerasDescriber.kind(cls) == io.nnviz.api.LayerKind.CONV || cls.equals("Dense") || cls.equals("EinsumDense")) {
                    n.add("kernel");
                    if (bias) {
                        n.add("bias");
                    }
                }
            }
        }
        return n;
    }

    /** What a weight named {@code name} (its last part) does in a layer of class {@code cls}. */
    static WeightRole role(String cls, String name) {
        String leaf = name.substring(name.lastIndexOf('/') + 1);
        boolean recurrent = KerasDescriber.kind(cls) == io.nnviz.api.LayerKind.RECURRENT;
        return switch (leaf) {
            case "kernel", "depthwise_kernel", "pointwise_kernel" -> recurrent ? WeightRole.INPUT_KERNEL : WeightRole.KERNEL;
            case "recurrent_kernel" -> WeightRole.RECURRENT_KERNEL;
            case "bias" -> WeightRole.BIAS;
            case "gamma" -> WeightRole.GAMMA;
            case "beta" -> WeightRole.BETA;
            case "moving_mean" -> WeightRole.RUNNING_MEAN;
            case "moving_variance" -> WeightRole.RUNNING_VAR;
            case "embeddings" -> WeightRole.EMBEDDING;
            default -> WeightRole.OTHER;
        };
    }

    /** The axes that take a weight from Keras's layout to nnviz's, or null for none. */
    static int[] permutation(String cls, String name, int rank) {
        String leaf = name.substring(name.lastIndexOf('/') + 1);
        boolean kernel = leaf.equals("kernel") || leaf.equals("depthwise_kernel") || leaf.equals("pointwise_kernel")
                || leaf.equals("recurrent_kernel");
        if (!kernel || rank < 2) {
            return null;
        }
        if (rank == 2) {
            return cls.equals("EinsumDense") ? null : new int[] {1, 0};
        }
        if (KerasDescriber.kind(cls) != io.nnviz.api.LayerKind.CONV) {
            return null;
        }
        int[] axes = new int[rank];
        boolean transpose = cls.contains("Transpose");
        boolean depthwise = cls.startsWith("Depthwise") || leaf.equals("depthwise_kernel");
        // [k..., a, b] to [b, a, k...] (a conv's in, out), or [a, b, k...] (a transposed conv's out, in; a depthwise in, multiplier)
        axes[0] = transpose || depthwise ? rank - 2 : rank - 1;
        axes[1] = transpose || depthwise ? rank - 1 : rank - 2;
        for (int i = 2; i < rank; i++) {
            axes[i] = i - 2;
        }
        return axes;
    }

    /** A weight's shape in nnviz's layout. */
    static long[] canonical(String cls, String name, long[] keras) {
        int[] axes = permutation(cls, name, keras.length);
        if (axes == null) {
            return keras.clone();
        }
        long[] o = new long[keras.length];
        for (int i = 0; i < o.length; i++) {
            o[i] = keras[axes[i]];
        }
        if (depthwise(cls, name) && o.length >= 3) {
            o[0] = o[0] * o[1];
            o[1] = 1;
        }
        return o;
    }

    private static boolean depthwise(String cls, String name) {
        String leaf = name.substring(name.lastIndexOf('/') + 1);
        return leaf.equals("depthwise_kernel") || cls.startsWith("Depthwise") && leaf.equals("kernel");
    }

    /** The values of weight {@code r} of a layer of class {@code cls}, in nnviz's layout. */
    static Tensor read(Path p, HdfFile h5, String cls, KerasStore.Ref r) {
        Object flat;
        try {
            Dataset d = h5.getDatasetByPath(r.dataset());
            flat = d.getDataFlat();
        } catch (RuntimeException e) {
            throw new ModelLoadException(p, "its weight " + r.dataset() + " cannot be read (" + e.getMessage() + ")", e);
        }
        float[] v;
        if (flat instanceof float[] f) {
            v = f;
        } else if (flat instanceof double[] dd) {
            v = new float[dd.length];
            for (int i = 0; i < dd.length; i++) {
                v[i] = (float) dd[i];
            }
        } else {
            throw new ModelLoadException(p, "its weight " + r.dataset() + " holds " + (flat == null ? "nothing" : flat.getClass().getSimpleName())
                    + ", not floating-point values");
        }
        int[] shape = new int[r.shape().length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = Math.toIntExact(r.shape()[i]);
        }
        Tensor t = Tensor.adopt(v, shape);
        int[] axes = permutation(cls, r.name(), shape.length);
        if (axes == null) {
            return t;
        }
        t = t.permute(axes);
        if (depthwise(cls, r.name()) && shape.length >= 3) {
            long[] c = canonical(cls, r.name(), r.shape());
            int[] ci = new int[c.length];
            for (int i = 0; i < c.length; i++) {
                ci[i] = (int) c[i];
            }
            t = t.reshape(ci);
        }
        return t;
    }
}
