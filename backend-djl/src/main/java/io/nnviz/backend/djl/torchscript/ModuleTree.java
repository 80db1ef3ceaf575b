package io.nnviz.backend.djl.torchscript;

import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Shape;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A PyTorch module tree read from its parameters' dotted names ({@code layer1.0.conv1.weight})
 * and shapes, the only structure a TorchScript file's parameters and a checkpoint's state_dict
 * keep: each module owning parameters is a layer, its kind told by its weights' shapes (so some
 * kinds are guesses the layer says it made), and each module above is a group. Shared by the
 * TorchScript reader and the checkpoint reader ({@code io.nnviz.backend.djl.checkpoint}).
 */
public final class ModuleTree {
    /** One parameter: its dotted name and shape. */
    public record Param(String name, long[] shape) {
    }

    /** The layers, groups and, per layer id, the full parameter names in its weights' order. */
    public record Tree(List<LayerInfo> layers, List<Group> groups, Map<String, List<String>> params) {
    }

    private ModuleTree() {
    }

    /** The modules owning parameters as layers, and the modules above them as groups; which buffers they have is not known. */
    public static Tree read(List<Param> params) {
        return read(params, null);
    }

    /**
     * As {@link #read(List)}, knowing which modules keep running statistics ({@code running_mean}
     * buffers, a BatchNorm's): a normalisation with them is a BatchNorm, one without a LayerNorm or
     * GroupNorm; {@code runningStats} null when the format does not say.
     */
    public static Tree read(List<Param> params, Set<String> runningStats) {
        Map<String, List<Param>> byModule = new LinkedHashMap<>();
        for (Param p : params) {
            int dot = p.name().lastIndexOf('.');
            String module = dot < 0 ? "" : p.name().substring(0, dot);
            byModule.computeIfAbsent(module, k -> new ArrayList<>()).add(p);
        }
        List<LayerInfo> layers = new ArrayList<>();
        Map<String, List<String>> paramNames = new LinkedHashMap<>();
        Map<String, List<String>> groupLayers = new LinkedHashMap<>();
        for (Map.Entry<String, List<Param>> e : byModule.entrySet()) {
            String id = e.getKey().isEmpty() ? "(root)" : e.getKey();
            String parent = parentOf(e.getKey());
            Boolean stats = runningStats == null ? null : runningStats.contains(e.getKey());
            LayerInfo l = layer(id, e.getValue(), parent, layers.isEmpty() ? null : layers.get(layers.size() - 1).outputShape(), stats);
            layers.add(l);
            paramNames.put(id, e.getValue().stream().map(Param::name).toList());
            for (String g = parent; g != null; g = parentOf(g)) {
                groupLayers.computeIfAbsent(g, k -> new ArrayList<>());
            }
            if (parent != null) {
                groupLayers.get(parent).add(id);
            }
        }
        List<Group> groups = new ArrayList<>();
        // parents before children, in the order modules first appear
        groupLayers.keySet().stream().sorted((a, b) -> Integer.compare(depth(a), depth(b))).forEach(g -> groups.add(
                new Group(g, g.substring(g.lastIndexOf('.') + 1), "Module", parentOf(g), groupLayers.get(g))));
        return new Tree(layers, groups, paramNames);
    }

    private static int depth(String module) {
        return module.split("\\.").length;
    }

    /** The enclosing module of a dotted module path, or null at the top. */
    private static String parentOf(String module) {
        int dot = module.lastIndexOf('.');
        return dot < 0 ? null : module.substring(0, dot);
    }

    /**
     * A module's layer; {@code before} is the output shape of the module registered before it, or
     * null; {@code runningStats} whether it keeps running statistics, null if unknown.
     */
    private static LayerInfo layer(String id, List<Param> ps, String group, Shape before, Boolean runningStats) {
        Map<String, long[]> by = new LinkedHashMap<>();
        ps.forEach(p -> by.put(p.name().substring(p.name().lastIndexOf('.') + 1), p.shape()));
        long[] w = by.get("weight");
        String leaf = id.substring(id.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        LayerKind kind;
        String type;
        Shape out = null;
        Map<String, String> attrs = new LinkedHashMap<>();
        if (by.containsKey("weight_ih_l0")) {
            long gates = by.get("weight_ih_l0")[0] / Math.max(1, by.get("weight_hh_l0") == null ? 1 : by.get("weight_hh_l0")[1]);
            kind = LayerKind.RECURRENT;
            type = gates == 4 ? "LSTM" : gates == 3 ? "GRU" : "RNN";
            long units = by.get("weight_hh_l0") == null ? -1 : by.get("weight_hh_l0")[1];
            long layersCount = by.keySet().stream().filter(k -> k.startsWith("weight_ih_l") && !k.endsWith("_reverse")).count();
            attrs.put("units", String.valueOf(units));
            attrs.put("layers", String.valueOf(layersCount));
            attrs.put("bidirectional", String.valueOf(by.containsKey("weight_ih_l0_reverse")));
            out = Shape.ofLongs(-1, -1, by.containsKey("weight_ih_l0_reverse") ? 2 * units : units);
        } else if (by.containsKey("in_proj_weight") && by.get("in_proj_weight").length == 2) {
            // nn.MultiheadAttention: query, key and value projections stacked in one [3 * E, E] weight
            kind = LayerKind.ATTENTION;
            type = "MultiheadAttention";
            long embed = by.get("in_proj_weight")[1];
            attrs.put("embed dim", String.valueOf(embed));
            out = Shape.ofLongs(-1, -1, embed);
        } else if (w != null && w.length >= 3 && w.length <= 5) {
            kind = LayerKind.CONV;
            type = "Conv" + (w.length - 2) + "d";
            attrs.put("kernel", kernel(w));
            attrs.put("in channels per group", String.valueOf(w[1]));
            attrs.put("guess", type + " (or ConvTranspose" + (w.length - 2) + "d, whose weight has the same rank)");
            long[] o = new long[w.length];
            Arrays.fill(o, -1);
            o[1] = w[0];
            out = Shape.ofLongs(o);
        } else if (w != null && w.length == 2 && (leaf.contains("emb") || leaf.contains("wte") || leaf.contains("wpe"))) {
            kind = LayerKind.EMBEDDING;
            type = "Embedding";
            out = Shape.ofLongs(-1, -1, w[1]);
        } else if (w != null && w.length == 2) {
            kind = LayerKind.DENSE;
            type = "Linear";
            // on sequences (after an embedding or another linear layer on them) a linear layer keeps the time axis
            out = before != null && before.rank() == 3 ? Shape.ofLongs(-1, before.dim(1), w[0]) : Shape.ofLongs(-1, w[0]);
        } else if (w != null && w.length == 1 && by.containsKey("bias") && by.size() == 2) {
            kind = LayerKind.NORM;
            attrs.put("channels", String.valueOf(w[0]));
            if (runningStats == null) {
                type = leaf.contains("ln") || leaf.contains("layer") ? "LayerNorm" : "BatchNorm";
                attrs.put("guess", "a normalisation: a 1-D weight with a bias of the same size");
            } else if (runningStats) {
                type = "BatchNorm"; // its running_mean and running_var say so
            } else {
                type = "LayerNorm";
                attrs.put("guess", "a normalisation without running statistics: LayerNorm or GroupNorm");
            }
            // a normalisation normalises what the module before it made, when the channels agree
            out = before != null && before.rank() >= 2 && before.dim(1) == w[0] ? before : null;
        } else {
            kind = LayerKind.OTHER;
            type = "Module";
        }
        LayerInfo.Builder b = LayerInfo.builder(id, kind).name(id).frameworkType(type).group(group);
        if (out != null) {
            b.outputShape(out);
        }
        attrs.forEach(b::attribute);
        for (Param p : ps) {
            String n = p.name().substring(p.name().lastIndexOf('.') + 1);
            b.weight(new WeightSpec(n, role(kind, n, p.shape().length), Shape.ofLongs(p.shape())));
        }
        return b.build();
    }

    private static String kernel(long[] w) {
        StringBuilder s = new StringBuilder();
        for (int i = 2; i < w.length; i++) {
            s.append(i > 2 ? "x" : "").append(w[i]);
        }
        return s.toString();
    }

    private static WeightRole role(LayerKind kind, String name, int rank) {
        if (kind == LayerKind.RECURRENT) {
            return name.startsWith("weight_ih") ? WeightRole.INPUT_KERNEL : name.startsWith("weight_hh") ? WeightRole.RECURRENT_KERNEL
                    : name.startsWith("bias") ? WeightRole.BIAS : WeightRole.OTHER;
        }
        if (kind == LayerKind.NORM) {
            return name.equals("weight") ? WeightRole.GAMMA : name.equals("bias") ? WeightRole.BETA : WeightRole.OTHER;
        }
        if (kind == LayerKind.ATTENTION) {
            return name.endsWith("weight") ? WeightRole.KERNEL : name.endsWith("bias") ? WeightRole.BIAS : WeightRole.OTHER;
        }
        if (kind == LayerKind.EMBEDDING && name.equals("weight")) {
            return WeightRole.EMBEDDING;
        }
        if (name.equals("weight") && rank >= 2) {
            return WeightRole.KERNEL;
        }
        return name.equals("bias") && rank == 1 ? WeightRole.BIAS : WeightRole.OTHER;
    }
}
