package io.nnviz.backend.djl.gguf;

import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The structure of a GGUF file: a layer per module its tensor names make ({@code blk.3.attn_q}
 * owns {@code blk.3.attn_q.weight} and {@code .bias}), its kind from llama.cpp's standard names
 * ({@code token_embd} an embedding, {@code attn_*} attention projections, {@code ffn_*}
 * feed-forward layers, {@code *norm*} normalisations, {@code output} the output head) or else from
 * its weight's rank, a group per module above ({@code blk}, {@code blk.3}); the layers in the
 * order a reader expects (embeddings, the numbered blocks in number order, the rest in the file's
 * order); and what the metadata says of the model, with its parameters counted by type.
 */
final class GgufDescriber {
    /** A tensor name's last part that names a parameter of its module rather than a module. */
    private static final Set<String> PARAMS = Set.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked", "scale");
    /** The architecture's hyperparameters shown first, as the spec names them under {@code <arch>.}. */
    private static final List<String> ARCH_KEYS = List.of("block_count", "context_length", "embedding_length", "feed_forward_length",
            "attention.head_count", "attention.head_count_kv", "expert_count", "expert_used_count");
    private static final int MAX_PROPERTIES = 64;
    /** {@code general.file_type}: the type of most of the tensors, as the spec numbers them. */
    private static final List<String> FILE_TYPES = List.of("ALL_F32", "MOSTLY_F16", "MOSTLY_Q4_0", "MOSTLY_Q4_1", "MOSTLY_Q4_1_SOME_F16",
            "MOSTLY_Q4_2", "MOSTLY_Q4_3", "MOSTLY_Q8_0", "MOSTLY_Q5_0", "MOSTLY_Q5_1", "MOSTLY_Q2_K", "MOSTLY_Q3_K_S", "MOSTLY_Q3_K_M",
            "MOSTLY_Q3_K_L", "MOSTLY_Q4_K_S", "MOSTLY_Q4_K_M", "MOSTLY_Q5_K_S", "MOSTLY_Q5_K_M", "MOSTLY_Q6_K");

    /** The layers and groups, and per layer id its tensors in its weights' order. */
    record Tree(List<LayerInfo> layers, List<Group> groups, Map<String, List<GgufHeader.Ref>> tensors) {
    }

    private GgufDescriber() {
    }

    static Tree tree(List<GgufHeader.Ref> refs, Map<String, String> notDecoded) {
        Map<String, List<GgufHeader.Ref>> byModule = new LinkedHashMap<>();
        for (GgufHeader.Ref r : refs) {
            byModule.computeIfAbsent(module(r.name()), k -> new ArrayList<>()).add(r);
        }
        List<String> order = new ArrayList<>(byModule.keySet());
        Map<String, Integer> first = new LinkedHashMap<>();
        order.forEach(m -> first.putIfAbsent(blockPrefix(m), first.size()));
        order.sort(Comparator.comparingInt((String m) -> rank(m)).thenComparingInt(m -> first.get(blockPrefix(m)))
                .thenComparingInt(GgufDescriber::blockNumber));
        boolean sequences = refs.stream().anyMatch(r -> leaf(module(r.name())).contains("embd") && r.dims().length == 2);
        List<LayerInfo> layers = new ArrayList<>();
        Map<String, List<String>> groupLayers = new LinkedHashMap<>();
        Map<String, List<GgufHeader.Ref>> tensors = new LinkedHashMap<>();
        for (String m : order) {
            String parent = parentOf(m);
            layers.add(layer(m, byModule.get(m), parent, sequences, notDecoded));
            tensors.put(m, byModule.get(m));
            for (String g = parent; g != null; g = parentOf(g)) {
                groupLayers.computeIfAbsent(g, k -> new ArrayList<>());
            }
            if (parent != null) {
                groupLayers.get(parent).add(m);
            }
        }
        List<Group> groups = new ArrayList<>();
        groupLayers.keySet().stream().sorted(Comparator.comparingInt(g -> g.split("\\.").length)).forEach(g -> groups.add(new Group(g,
                leaf(g), isNumber(leaf(g)) ? "Block" : groupLayers.keySet().contains(g + ".0") ? "Blocks" : "Module", parentOf(g),
                groupLayers.get(g))));
        return new Tree(layers, groups, tensors);
    }

    /** The module a tensor belongs to: its name without a parameter part ({@code weight}, {@code bias}, ...). */
    static String module(String tensor) {
        int dot = tensor.lastIndexOf('.');
        return dot > 0 && PARAMS.contains(tensor.substring(dot + 1)) ? tensor.substring(0, dot) : tensor;
    }

    private static String param(String tensor, String module) {
        return tensor.length() > module.length() ? tensor.substring(module.length() + 1) : leaf(tensor);
    }

    private static String leaf(String module) {
        return module.substring(module.lastIndexOf('.') + 1);
    }

    private static String parentOf(String module) {
        int dot = module.lastIndexOf('.');
        return dot < 0 ? null : module.substring(0, dot);
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.length() < 10 && s.chars().allMatch(Character::isDigit);
    }

    /** Embeddings first, then the numbered blocks, then the rest. */
    private static int rank(String module) {
        if (blockNumber(module) >= 0) {
            return 1;
        }
        return leaf(module).contains("embd") || leaf(module).contains("embed") || leaf(module).equals("token_types") ? 0 : 2;
    }

    /** The number of the first numbered segment ({@code 3} in {@code blk.3.attn_q}), or -1. */
    private static int blockNumber(String module) {
        for (String s : module.split("\\.")) {
            if (isNumber(s)) {
                return Integer.parseInt(s);
            }
        }
        return -1;
    }

    /** What comes before the first number ({@code blk} of {@code blk.3.attn_q}), or the module. */
    private static String blockPrefix(String module) {
        String[] parts = module.split("\\.");
        StringBuilder s = new StringBuilder();
        for (String p : parts) {
            if (isNumber(p)) {
                return s.toString();
            }
            s.append(s.length() == 0 ? "" : ".").append(p);
        }
        return module;
    }

    private static LayerInfo layer(String id, List<GgufHeader.Ref> refs, String group, boolean sequences, Map<String, String> notDecoded) {
        Map<String, long[]> by = new LinkedHashMap<>();
        refs.forEach(r -> by.put(param(r.name(), id), r.shape()));
        long[] w = by.getOrDefault("weight", refs.get(0).shape());
        String leaf = leaf(id).toLowerCase(Locale.ROOT);
        LayerKind kind;
        String type;
        Shape out = null;
        if (leaf.contains("norm") || by.containsKey("running_mean")) {
            kind = LayerKind.NORM;
            type = by.containsKey("running_mean") ? "BatchNorm" : by.containsKey("bias") ? "LayerNorm" : "RMSNorm";
            out = sequences && w.length == 1 ? Shape.ofLongs(-1, -1, w[0]) : null;
        } else if ((leaf.contains("embd") || leaf.contains("embed") || leaf.equals("token_types")) && w.length == 2) {
            kind = LayerKind.EMBEDDING;
            type = "Embedding";
            out = Shape.ofLongs(-1, -1, w[1]);
        } else if (w.length >= 3 && w.length <= 5 && !leaf.startsWith("ffn")) {
            kind = LayerKind.CONV;
            type = "Conv" + (w.length - 2) + "d";
            long[] o = new long[w.length];
            Arrays.fill(o, -1);
            o[1] = w[0];
            out = Shape.ofLongs(o);
        } else if (w.length >= 2) {
            kind = leaf.startsWith("attn") ? LayerKind.ATTENTION : LayerKind.DENSE;
            type = leaf.equals("output") ? "Linear (output head)" : "Linear";
            out = sequences ? Shape.ofLongs(-1, -1, w[w.length - 2]) : Shape.ofLongs(-1, w[w.length - 2]);
        } else {
            kind = LayerKind.OTHER;
            type = "Tensor";
        }
        LayerInfo.Builder b = LayerInfo.builder(id, kind).name(id).frameworkType(type).group(group);
        if (out != null) {
            b.outputShape(out);
        }
        Set<String> types = new LinkedHashSet<>();
        List<String> skipped = new ArrayList<>();
        for (GgufHeader.Ref r : refs) {
            String p = param(r.name(), id);
            types.add(r.type().toString());
            b.weight(new WeightSpec(p, role(kind, p, r.dims().length), Shape.ofLongs(r.shape()), r.type().dtype()));
            if (notDecoded.containsKey(r.name())) {
                skipped.add(p + ": " + notDecoded.get(r.name()));
            }
        }
        b.attribute("dtype", String.join(", ", types));
        if (!skipped.isEmpty()) {
            b.attribute("not decoded", String.join("; ", skipped));
        }
        return b.build();
    }

    private static WeightRole role(LayerKind kind, String name, int rank) {
        return switch (name) {
            case "weight" -> kind == LayerKind.EMBEDDING ? WeightRole.EMBEDDING : kind == LayerKind.NORM ? WeightRole.GAMMA
                    : rank >= 2 ? WeightRole.KERNEL : WeightRole.OTHER;
            case "bias" -> kind == LayerKind.NORM ? WeightRole.BETA : WeightRole.BIAS;
            case "running_mean" -> WeightRole.RUNNING_MEAN;
            case "running_var" -> WeightRole.RUNNING_VAR;
            default -> WeightRole.OTHER;
        };
    }

    /** What the header says of the model, and its parameters counted by type, as model properties. */
    static Map<String, String> properties(GgufHeader h, Map<String, String> notDecoded) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("format", "GGUF version " + h.version + (h.order() == ByteOrder.BIG_ENDIAN ? ", big-endian" : ""));
        Object arch = h.metadata.get("general.architecture");
        for (String k : List.of("general.architecture", "general.name", "general.file_type", "general.quantization_version")) {
            Object v = h.metadata.get(k);
            if (v != null) {
                p.put("metadata " + k, k.equals("general.file_type") && v instanceof Long t && t >= 0 && t < FILE_TYPES.size()
                        ? t + " (" + FILE_TYPES.get(t.intValue()) + ")" : String.valueOf(v));
            }
        }
        if (arch instanceof String a) {
            ARCH_KEYS.stream().filter(k -> h.metadata.containsKey(a + "." + k)).forEach(k -> p.put("metadata " + a + "." + k,
                    String.valueOf(h.metadata.get(a + "." + k))));
        }
        for (Map.Entry<String, Object> e : h.metadata.entrySet()) {
            if (p.size() >= MAX_PROPERTIES) {
                break;
            }
            p.putIfAbsent("metadata " + e.getKey(), String.valueOf(e.getValue()));
        }
        p.put("metadata keys", String.valueOf(h.metadata.size()));
        p.put("alignment", String.valueOf(h.alignment));
        p.put("tensors", String.valueOf(h.tensors.size()));
        if (!notDecoded.isEmpty()) {
            p.put("not decoded", notDecoded.size() + " tensors, listed with their shapes and counted, not read: "
                    + new LinkedHashSet<>(notDecoded.values()));
        }
        return p;
    }
}
