package io.nnviz.backend.dl4j.keras;

import com.fasterxml.jackson.databind.JsonNode;
import io.nnviz.api.Shape;

import java.util.List;
import java.util.Set;

/**
 * Output shapes computed from a layer's configuration and its inputs' shapes, as Keras computes
 * them: in Keras's own layout (batch first, channels last unless a layer says
 * {@code channels_first}), {@code -1} for a free dimension, null where nnviz does not know the
 * layer. Covers inputs, convolutions and their transposes in 1-D, 2-D and 3-D (padding valid, same
 * and causal, strides, dilation), pooling, global pooling, upsampling, padding and cropping, dense
 * layers (on the last axis, whatever the rank), embeddings, recurrent layers and their
 * bidirectional wrappers, attention, reshapes and merges; every layer that keeps its input's shape
 * (normalisation, activation, dropout, noise) keeps it. {@link #canonical} moves the channels of
 * images, volumes and 1-D feature maps to nnviz's channels-first layout.
 */
final class KerasShapes {
    private static final Set<String> SAME = Set.of("BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization",
            "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "ThresholdedReLU", "Dropout", "SpatialDropout1D",
            "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout", "GaussianNoise", "AlphaDropout", "ActivityRegularization", "Masking",
            "Rescaling", "Normalization", "Identity", "Lambda", "TFOpLambda");
    private static final Set<String> MERGES = Set.of("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum");
    /** Layers whose rank-3 output is a 1-D feature map [N, W, C] (NCW in nnviz), not a sequence [N, T, C]. */
    private static final Set<String> MAPS_1D = Set.of("Conv1D", "Conv1DTranspose", "SeparableConv1D", "DepthwiseConv1D", "MaxPooling1D",
            "AveragePooling1D", "UpSampling1D", "ZeroPadding1D", "Cropping1D");
    private static final Set<String> SEQUENCES = Set.of("LSTM", "GRU", "SimpleRNN", "Bidirectional", "RNN", "Embedding",
            "MultiHeadAttention", "Attention", "AdditiveAttention", "RepeatVector", "Dense", "EinsumDense");

    private KerasShapes() {
    }

    /** The rank of a convolution-like layer's spatial part (1, 2, 3), from its name; 0 if none. */
    static int spatialRank(String cls) {
        return cls.contains("1D") ? 1 : cls.contains("2D") ? 2 : cls.contains("3D") ? 3 : 0;
    }

    static boolean channelsFirst(JsonNode cfg) {
        return cfg.path("data_format").asText("channels_last").equals("channels_first");
    }

    /** A layer's output shape in Keras's layout, or null. */
    static long[] output(String cls, JsonNode cfg, List<long[]> in) {
        if (cls.equals("InputLayer")) {
            return input(cfg);
        }
        if (in.isEmpty() || in.get(0) == null) {
            return null;
        }
        long[] x = in.get(0).clone();
        int r = x.length;
        if (SAME.contains(cls)) {
            return x;
        }
        if (MERGES.contains(cls)) {
            long[] best = x;
            for (long[] s : in) {
                if (s != null && s.length >= best.length) {
                    best = s;
                }
            }
            return best.clone();
        }
        int sr = spatialRank(cls);
        boolean cf = channelsFirst(cfg);
        int c = cf ? 1 : r - 1, s0 = cf ? 2 : 1;
        switch (cls) {
            case "Dense", "EinsumDense":
                if (cfg.has("units")) {
                    x[r - 1] = cfg.get("units").asLong();
                    return x;
                }
                return null;
            case "Flatten": {
                long n = 1;
                for (int i = 1; i < r; i++) {
                    n = times(n, x[i]);
                }
                return new long[] {x[0], n};
            }
            case "Reshape":
                return reshape(x, cfg.path("target_shape"));
            case "Permute": {
                JsonNode d = cfg.path("dims");
                long[] o = new long[d.size() + 1];
                o[0] = x[0];
                for (int i = 0; i < d.size(); i++) {
                    int k = d.get(i).asInt();
                    if (k < 1 || k >= r) {
                        return null;
                    }
                    o[i + 1] = x[k];
                }
                return o;
            }
            case "RepeatVector":
                return new long[] {x[0], cfg.path("n").asLong(-1), x[r - 1]};
            case "Embedding":
                return append(x, cfg.path("output_dim").asLong(-1));
            case "LSTM", "GRU", "SimpleRNN", "ConvLSTM1D":
                return recurrent(x, cfg, cfg.path("units").asLong(-1));
            case "Bidirectional": {
                JsonNode inner = cfg.path("layer").path("config");
                long u = inner.path("units").asLong(-1);
                String mode = cfg.path("merge_mode").asText("concat");
                return recurrent(x, inner, mode.equals("concat") && u > 0 ? 2 * u : u);
            }
            case "Concatenate": {
                int axis = cfg.path("axis").asInt(-1);
                int a = axis < 0 ? r + axis : axis;
                if (a < 0 || a >= r) {
                    return null;
                }
                long sum = 0;
                for (long[] s : in) {
                    if (s == null || s.length != r) {
                        return null;
                    }
                    sum = s[a] < 0 || sum < 0 ? -1 : sum + s[a];
                }
                x[a] = sum;
                return x;
            }
            case "MultiHeadAttention":
                if (cfg.path("output_shape").canConvertToLong()) {
                    x[r - 1] = cfg.get("output_shape").asLong();
                }
                return x;
            case "Attention", "AdditiveAttention":
                return x;
            default:
                break;
        }
        if (sr == 0 || r != sr + 2) {
            return null;
        }
        if (cls.startsWith("Global")) {
            if (cfg.path("keepdims").asBoolean(false)) {
                for (int i = 0; i < sr; i++) {
                    x[s0 + i] = 1;
                }
                return x;
            }
            return new long[] {x[0], x[c]};
        }
        if (cls.startsWith("UpSampling")) {
            for (int i = 0; i < sr; i++) {
                x[s0 + i] = times(x[s0 + i], at(cfg.path("size"), i, 2));
            }
            return x;
        }
        if (cls.startsWith("ZeroPadding") || cls.startsWith("Cropping")) {
            int sign = cls.startsWith("Zero") ? 1 : -1;
            JsonNode p = cls.startsWith("Zero") ? cfg.path("padding") : cfg.path("cropping");
            for (int i = 0; i < sr; i++) {
                long[] ab = pair(p, i, sr);
                x[s0 + i] = x[s0 + i] < 0 ? -1 : x[s0 + i] + sign * (ab[0] + ab[1]);
            }
            return x;
        }
        if (cls.contains("Pooling")) {
            JsonNode pool = cfg.has("pool_size") ? cfg.get("pool_size") : cfg.path("pool_length");
            JsonNode strides = cfg.path("strides").isNull() || cfg.path("strides").isMissingNode() ? pool : cfg.get("strides");
            String padding = cfg.path("padding").asText("valid");
            for (int i = 0; i < sr; i++) {
                x[s0 + i] = convLength(x[s0 + i], at(pool, i, 2), at(strides, i, at(pool, i, 2)), 1, padding);
            }
            return x;
        }
        if (cls.contains("Conv")) {
            JsonNode k = cfg.path("kernel_size"), st = cfg.path("strides"), d = cfg.path("dilation_rate");
            String padding = cfg.path("padding").asText("valid");
            boolean transpose = cls.contains("Transpose");
            for (int i = 0; i < sr; i++) {
                long n = x[s0 + i];
                x[s0 + i] = transpose ? deconvLength(n, at(k, i, 1), at(st, i, 1), at(d, i, 1), padding, cfg.path("output_padding"), i)
                        : convLength(n, at(k, i, 1), at(st, i, 1), at(d, i, 1), padding);
            }
            x[c] = cls.startsWith("Depthwise") ? times(x[c], cfg.path("depth_multiplier").asLong(1)) : cfg.path("filters").asLong(-1);
            return x;
        }
        return null;
    }

    private static long[] input(JsonNode cfg) {
        JsonNode s = cfg.has("batch_shape") ? cfg.get("batch_shape") : cfg.has("batch_input_shape") ? cfg.get("batch_input_shape") : null;
        long[] out;
        if (s != null && s.isArray()) {
            out = new long[s.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = s.get(i).canConvertToLong() ? s.get(i).asLong() : -1;
            }
        } else if (cfg.path("shape").isArray() || cfg.path("input_shape").isArray()) {
            JsonNode t = cfg.path("shape").isArray() ? cfg.get("shape") : cfg.get("input_shape");
            out = new long[t.size() + 1];
            out[0] = -1;
            for (int i = 0; i < t.size(); i++) {
                out[i + 1] = t.get(i).canConvertToLong() ? t.get(i).asLong() : -1;
            }
        } else {
            return null;
        }
        for (int i = 0; i < out.length; i++) {
            if (out[i] < 1 || out[i] > Integer.MAX_VALUE) {
                out[i] = -1;
            }
        }
        return out;
    }

    private static long[] recurrent(long[] x, JsonNode cfg, long units) {
        if (x.length != 3) {
            return null;
        }
        return cfg.path("return_sequences").asBoolean(false) ? new long[] {x[0], x[1], units} : new long[] {x[0], units};
    }

    private static long[] reshape(long[] x, JsonNode target) {
        if (!target.isArray()) {
            return null;
        }
        long[] o = new long[target.size() + 1];
        o[0] = x[0];
        long known = 1, total = 1;
        int free = -1;
        for (int i = 1; i < x.length; i++) {
            total = times(total, x[i]);
        }
        for (int i = 0; i < target.size(); i++) {
            long v = target.get(i).asLong(-1);
            o[i + 1] = v;
            if (v < 0) {
                free = i + 1;
            } else {
                known *= Math.max(v, 1);
            }
        }
        if (free > 0) {
            o[free] = total > 0 && known > 0 && total % known == 0 ? total / known : -1;
        }
        return o;
    }

    private static long[] append(long[] x, long d) {
        long[] o = java.util.Arrays.copyOf(x, x.length + 1);
        o[x.length] = d;
        return o;
    }

    /** The i-th of an int or a list of ints (Keras writes both), or {@code dflt}. */
    private static long at(JsonNode n, int i, long dflt) {
        if (n.canConvertToLong()) {
            return n.asLong();
        }
        if (n.isArray() && n.size() > 0) {
            JsonNode v = n.get(Math.min(i, n.size() - 1));
            return v.canConvertToLong() ? v.asLong() : dflt;
        }
        return dflt;
    }

    /** Padding or cropping of spatial axis i: an int, [a, b] (1-D) or one int per axis, or [[a, b], ...]. */
    private static long[] pair(JsonNode p, int i, int sr) {
        if (p.canConvertToLong()) {
            return new long[] {p.asLong(), p.asLong()};
        }
        if (!p.isArray() || p.isEmpty()) {
            return new long[] {0, 0};
        }
        if (sr == 1 && p.size() == 2 && p.get(0).canConvertToLong()) {
            return new long[] {p.get(0).asLong(), p.get(1).asLong()};
        }
        JsonNode a = p.get(Math.min(i, p.size() - 1));
        if (a.canConvertToLong()) {
            return new long[] {a.asLong(), a.asLong()};
        }
        return new long[] {a.path(0).asLong(0), a.path(1).asLong(0)};
    }

    /** a times b, or -1 (free) when either is free or the product passes what a dimension holds. */
    private static long times(long a, long b) {
        return a < 0 || b < 0 || a > Integer.MAX_VALUE || b > Integer.MAX_VALUE || a * b > Integer.MAX_VALUE ? -1 : a * b;
    }

    /** keras's conv output length: valid, same, causal (as same in length). */
    static long convLength(long n, long k, long stride, long dilation, String padding) {
        if (n < 0 || k < 1 || stride < 1) {
            return -1;
        }
        long ek = k + (k - 1) * (dilation - 1);
        long o = switch (padding) {
            case "same", "causal" -> (n + stride - 1) / stride;
            case "full" -> (n + ek - 1 + stride - 1) / stride;
            default -> n >= ek ? (n - ek) / stride + 1 : 0;
        };
        return o;
    }

    /** keras's deconv output length, with or without output_padding. */
    static long deconvLength(long n, long k, long stride, long dilation, String padding, JsonNode outputPadding, int axis) {
        if (n < 0 || k < 1 || stride < 1) {
            return -1;
        }
        long ek = k + (k - 1) * (dilation - 1);
        if (outputPadding == null || outputPadding.isNull() || outputPadding.isMissingNode()) {
            return switch (padding) {
                case "same" -> n * stride;
                case "full" -> n * stride - (stride + ek - 2);
                default -> n * stride + Math.max(ek - stride, 0);
            };
        }
        long pad = padding.equals("same") ? ek / 2 : padding.equals("full") ? ek - 1 : 0;
        return (n - 1) * stride + ek - 2 * pad + at(outputPadding, axis, 0);
    }

    /**
     * Whether a layer's output of rank 3 is a 1-D feature map (channels moved to axis 1 in nnviz's
     * layout) rather than a sequence: a 1-D convolution-like layer's, or a shape-keeping layer's over one.
     */
    static boolean map1d(String cls, boolean inputIsMap) {
        return MAPS_1D.contains(cls) || inputIsMap && !SEQUENCES.contains(cls);
    }

    /** nnviz's layout of a Keras shape: channels last moved to axis 1 for images, volumes and (when {@code map}) 1-D maps. */
    static Shape canonical(long[] keras, boolean map, boolean channelsFirst) {
        if (keras == null) {
            return null;
        }
        int r = keras.length;
        long[] k = new long[r];
        for (int i = 0; i < r; i++) {
            k[i] = keras[i] < 0 || keras[i] > Integer.MAX_VALUE ? -1 : keras[i];
        }
        if (channelsFirst || r < 3 || r == 3 && !map || r > 5) {
            return Shape.ofLongs(k);
        }
        keras = k;
        long[] o = new long[r];
        o[0] = keras[0];
        o[1] = keras[r - 1];
        System.arraycopy(keras, 1, o, 2, r - 2);
        return Shape.ofLongs(o);
    }
}
