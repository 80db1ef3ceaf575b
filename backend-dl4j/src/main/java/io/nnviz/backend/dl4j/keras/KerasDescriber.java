package io.nnviz.backend.dl4j.keras;

import com.fasterxml.jackson.databind.JsonNode;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.Shape;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.spi.Printable;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The structure of a Keras model read by nnviz: each layer's kind, attributes (kernel, strides,
 * padding, filters or units, activation, ...), input and output shapes in nnviz's layout
 * ({@link KerasShapes}) and weights with their roles and canonical shapes ({@link KerasTensors}),
 * each weight's stored shape checked against what the layer's configuration and its input make it
 * (a kernel of the wrong shape, or a layer without the weights it needs, is one line). Moving
 * statistics are listed as weights (running mean and variance) and counted, as Keras's total and
 * the DL4J backend count them; the trainable and non-trainable totals are apart in the properties.
 */
final class KerasDescriber {
    private static final Set<String> ACTIVATIONS = Set.of("Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "ThresholdedReLU");
    private static final Set<String> DROPOUTS = Set.of("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
            "GaussianDropout", "GaussianNoise", "AlphaDropout", "ActivityRegularization");
    private static final Set<String> RESHAPES = Set.of("Flatten", "Reshape", "Permute", "RepeatVector", "ZeroPadding1D", "ZeroPadding2D",
            "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D", "Resizing");
    private static final Set<String> MERGES = Set.of("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot");

    /** The layers, and the parameter totals: trainable, non-trainable (moving statistics, frozen layers). */
    record Described(List<LayerInfo> layers, long trainable, long nonTrainable) {
    }

    private KerasDescriber() {
    }

    static LayerKind kind(String cls) {
        if (cls.equals("InputLayer")) {
            return LayerKind.INPUT;
        }
        if (cls.contains("Conv") && !cls.contains("LSTM")) {
            return LayerKind.CONV;
        }
        if (cls.equals("Dense") || cls.equals("EinsumDense")) {
            return LayerKind.DENSE;
        }
        if (cls.contains("Pooling") || cls.startsWith("UpSampling")) {
            return LayerKind.POOL;
        }
        if (cls.endsWith("Normalization")) {
            return LayerKind.NORM;
        }
        if (ACTIVATIONS.contains(cls)) {
            return LayerKind.ACTIVATION;
        }
        if (Set.of("LSTM", "GRU", "SimpleRNN", "Bidirectional", "RNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D").contains(cls)) {
            return LayerKind.RECURRENT;
        }
        if (cls.endsWith("Attention")) {
            return LayerKind.ATTENTION;
        }
        if (cls.equals("Embedding")) {
            return LayerKind.EMBEDDING;
        }
        if (DROPOUTS.contains(cls)) {
            return LayerKind.DROPOUT;
        }
        if (RESHAPES.contains(cls)) {
            return LayerKind.RESHAPE;
        }
        if (MERGES.contains(cls)) {
            return LayerKind.MERGE;
        }
        return LayerKind.OTHER;
    }

    static Described describe(Path p, KerasConfig.Graph g, Map<String, List<KerasStore.Ref>> weights) {
        Map<String, long[]> shapes = new HashMap<>();
        Map<String, Boolean> maps = new HashMap<>();
        List<LayerInfo> out = new ArrayList<>();
        long trainable = 0, frozen = 0;
        for (KerasConfig.Node n : g.nodes()) {
            List<long[]> in = new ArrayList<>();
            boolean inMap = false;
            for (String i : n.inputs()) {
                in.add(shapes.get(i));
                inMap |= maps.getOrDefault(i, false);
            }
            long[] shape = KerasShapes.output(n.className(), n.config(), in);
            if (shape == null && n.className().equals("InputLayer") && !n.inputs().isEmpty()) {
                shape = in.get(0); // a nested model's input, fed by the outer model
            }
            boolean map = KerasShapes.map1d(n.className(), inMap);
            boolean cf = KerasShapes.channelsFirst(n.config());
            shapes.put(n.id(), shape);
            maps.put(n.id(), map);
            LayerInfo.Builder b = LayerInfo.builder(n.id(), kind(n.className())).name(n.name()).frameworkType(n.className())
                    .outputShape(KerasShapes.canonical(shape, map, cf)).group(n.groupId());
            for (int k = 0; k < n.inputs().size(); k++) {
                Shape s = KerasShapes.canonical(in.get(k), maps.getOrDefault(n.inputs().get(k), false), cf);
                b.inputShape(s == null ? Shape.of(Shape.UNKNOWN) : s);
            }
            attributes(b, n);
            List<KerasStore.Ref> refs = weights.getOrDefault(n.id(), List.of());
            check(p, n, refs, in.isEmpty() ? null : in.get(0));
            for (KerasStore.Ref r : refs) {
                long count = r.elements();
                b.weight(new WeightSpec(r.name(), KerasTensors.role(n.className(), r.name()),
                        Shape.ofLongs(KerasTensors.canonical(n.className(), r.name(), r.shape()))));
                boolean moving = r.name().endsWith("moving_mean") || r.name().endsWith("moving_variance");
                if (moving || !n.trainable()) {
                    frozen += count;
                } else {
                    trainable += count;
                }
            }
            out.add(b.build());
        }
        return new Described(out, trainable, frozen);
    }

    private static void attributes(LayerInfo.Builder b, KerasConfig.Node n) {
        JsonNode c = n.config();
        putList(b, "kernel", c.path("kernel_size"));
        putList(b, "pool", c.has("pool_size") ? c.get("pool_size") : c.path("size"));
        putList(b, "strides", c.path("strides"));
        putList(b, "dilation", c.path("dilation_rate"));
        for (String k : List.of("filters", "units", "output_dim", "input_dim", "depth_multiplier", "padding", "activation",
                "recurrent_activation", "return_sequences", "rate", "axis", "epsilon", "num_heads", "key_dim", "merge_mode", "max_value",
                "target_shape", "interpolation")) {
            JsonNode v = c.get(k);
            if (v != null && !v.isNull() && !v.isObject()) {
                b.attribute(k.replace("_", " "), v.isTextual() ? v.asText() : v.toString());
            }
        }
        if (KerasShapes.channelsFirst(c)) {
            b.attribute("data format", "channels_first");
        }
        if (!c.path("use_bias").asBoolean(true)) {
            b.attribute("bias", "none");
        }
        if (!n.trainable()) {
            b.attribute("trainable", "false");
        }
        if (c.path("layer").isObject()) {
            b.attribute("wraps", c.path("layer").path("class_name").asText());
        }
    }

    private static void putList(LayerInfo.Builder b, String key, JsonNode v) {
        if (v.isArray() && !v.isEmpty() && v.get(0).canConvertToLong()) {
            StringBuilder s = new StringBuilder();
            v.forEach(x -> s.append(s.length() == 0 ? "" : "x").append(x.asLong()));
            b.attribute(key, s.toString());
        } else if (v.canConvertToLong()) {
            b.attribute(key, v.asLong());
        }
    }

    /** Weights a layer of a known class needs, and the shapes its configuration and input give them. */
    private static void check(Path p, KerasConfig.Node n, List<KerasStore.Ref> refs, long[] in) {
        String cls = n.className();
        JsonNode c = n.config();
        Map<String, long[]> want = new HashMap<>();
        long inC = in == null || in.length == 0 ? -1 : in[KerasShapes.channelsFirst(c) && in.length > 2 ? 1 : in.length - 1];
        int sr = KerasShapes.spatialRank(cls);
        LayerKind kind = kind(cls);
        if (kind == LayerKind.DENSE && cls.equals("Dense")) {
            long u = c.path("units").asLong(-1);
            want.put("kernel", new long[] {inC, u});
            want.put("bias", new long[] {u});
        } else if (kind == LayerKind.CONV && sr > 0 && !cls.startsWith("Separable")) {
            long f = c.path("filters").asLong(-1), groups = c.path("groups").asLong(1);
            long[] k = new long[sr + 2];
            for (int i = 0; i < sr; i++) {
                JsonNode ks = c.path("kernel_size");
                k[i] = ks.isArray() ? ks.path(Math.min(i, ks.size() - 1)).asLong(-1) : ks.asLong(-1);
            }
            if (cls.startsWith("Depthwise")) {
                k[sr] = inC;
                k[sr + 1] = c.path("depth_multiplier").asLong(1);
            } else if (cls.contains("Transpose")) {
                k[sr] = f;
                k[sr + 1] = inC;
            } else {
                k[sr] = inC < 0 || groups < 1 ? -1 : inC / groups;
                k[sr + 1] = f;
            }
            want.put("kernel", k);
            want.put("bias", new long[] {cls.startsWith("Depthwise") ? (inC < 0 ? -1 : inC * k[sr + 1]) : f});
        } else if ((cls.equals("BatchNormalization") || cls.equals("LayerNormalization")) && in != null) {
            JsonNode axis = c.path("axis").isArray() && c.path("axis").size() == 1 ? c.path("axis").get(0) : c.path("axis");
            int a = axis.canConvertToInt() ? axis.asInt() : axis.isMissingNode() ? -1 : Integer.MIN_VALUE;
            a = a < 0 && a != Integer.MIN_VALUE ? in.length + a : a;
            if (a >= 1 && a < in.length) {
                for (String w : List.of("gamma", "beta", "moving_mean", "moving_variance")) {
                    want.put(w, new long[] {in[a]});
                }
            }
        } else if (cls.equals("Embedding")) {
            want.put("embeddings", new long[] {c.path("input_dim").asLong(-1), c.path("output_dim").asLong(-1)});
        }
        List<String> needed = switch (cls) {
            case "Dense" -> List.of("kernel");
            case "Embedding" -> List.of("embeddings");
            case "BatchNormalization" -> List.of("moving_mean", "moving_variance");
            case "LSTM", "GRU", "SimpleRNN" -> List.of("kernel", "recurrent_kernel");
            default -> kind == LayerKind.CONV && sr > 0 && !cls.startsWith("Separable") ? List.of("kernel") : List.of();
        };
        for (String w : needed) {
            if (refs.stream().noneMatch(r -> r.name().equals(w) || r.name().endsWith("/" + w))) {
                throw new ModelLoadException(p, "its layer " + Printable.name(n.id()) + " (" + cls + ") has no " + w + " in the file");
            }
        }
        for (KerasStore.Ref r : refs) {
            long[] w = want.get(r.name());
            if (w == null) {
                continue;
            }
            boolean fits = w.length == r.shape().length;
            for (int i = 0; fits && i < w.length; i++) {
                fits = w[i] < 0 || w[i] == r.shape()[i];
            }
            if (!fits) {
                throw new ModelLoadException(p, "its layer " + Printable.name(n.id()) + " (" + cls + ") has a " + r.name() + " of shape "
                        + java.util.Arrays.toString(r.shape()) + " in the file; its configuration and input make it "
                        + java.util.Arrays.toString(w).replace("-1", "?"));
            }
        }
    }
}
