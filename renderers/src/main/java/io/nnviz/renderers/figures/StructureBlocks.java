package io.nnviz.renderers.figures;

import io.nnviz.api.Edge;
import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Blocks read from the graph, for a model whose format and names give none (Paddle2ONNX's
 * {@code p2o.Conv.12}, TFLite's flat operator lists): the model is cut where one tensor alone flows
 * on (no edge crosses the cut), and each stretch between two such cuts that holds more than one
 * layer is a block: a residual block, an inverted bottleneck, a branch and its merge. Identical
 * consecutive blocks then fold "xN" as named ones do. Along the plain stretches of a big model, a
 * convolution with the normalisation and activation that read only it are fused into one box.
 */
final class StructureBlocks {
    /** The id prefix of the groups made here. */
    static final String ID_PREFIX = ArchitectureUnits.Units.SYNTHETIC + "block:";
    /** A stretch longer than this is no block anyone would name: its layers stay as they are. */
    static final int MAX_BLOCK = 60;

    private StructureBlocks() {
    }

    /** The blocks of {@code m}'s graph; with {@code fuse}, conv-norm-activation runs too. Empty for a model without edges. */
    static List<Group> of(ModelView m, boolean fuse) {
        List<LayerInfo> layers = m.layers();
        if (m.edges().isEmpty() || layers.size() < 3) {
            return List.of();
        }
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            index.put(layers.get(i).id(), i);
        }
        // crossing[k]: edges from a layer at or before k to one after k (a difference array over the layer order)
        int n = layers.size();
        int[] delta = new int[n + 1];
        Map<String, Integer> inDegree = new HashMap<>(), outDegree = new HashMap<>();
        Map<String, String> onlyConsumer = new HashMap<>();
        for (Edge e : m.edges()) {
            Integer a = index.get(e.from()), b = index.get(e.to());
            if (a == null || b == null || a >= b) {
                continue;
            }
            delta[a]++;
            delta[b]--;
            outDegree.merge(e.from(), 1, Integer::sum);
            inDegree.merge(e.to(), 1, Integer::sum);
            onlyConsumer.put(e.from(), e.to());
        }
        List<Group> out = new ArrayList<>();
        int start = firstComputed(layers), live = 0;
        for (int k = 0; k < start; k++) {
            live += delta[k];
        }
        for (int k = start; k < n; k++) {
            live += delta[k];
            boolean cut = live <= 1 || k == n - 1; // after layer k, at most one tensor flows on
            if (cut) {
                int size = k - start + 1;
                if (size >= 2 && size <= MAX_BLOCK) {
                    out.add(block(layers, start, k, out.size()));
                } else if (fuse && size > MAX_BLOCK) {
                    fused(layers, start, k, outDegree, inDegree, onlyConsumer, out);
                }
                start = k + 1;
            }
        }
        return out.size() == 1 && out.get(0).layerIds().size() >= n - inputs(layers) ? List.of() : out; // one block that is the model is none
    }

    private static int firstComputed(List<LayerInfo> layers) {
        int i = 0;
        while (i < layers.size() && layers.get(i).kind() == LayerKind.INPUT) {
            i++;
        }
        return i;
    }

    private static int inputs(List<LayerInfo> layers) {
        return (int) layers.stream().filter(l -> l.kind() == LayerKind.INPUT).count();
    }

    /** Layers {@code from..to} as a block named by what it does: its first and last operators and its size. */
    private static Group block(List<LayerInfo> layers, int from, int to, int number) {
        List<String> ids = new ArrayList<>(to - from + 1);
        StringBuilder ops = new StringBuilder();
        for (int i = from; i <= to; i++) {
            LayerInfo l = layers.get(i);
            ids.add(l.id());
            if (ops.length() < 200) {
                ops.append(ops.length() == 0 ? "" : "\u00b7").append(l.frameworkType());
            }
        }
        String name = layers.get(from).frameworkType() + " \u2192 " + layers.get(to).frameworkType();
        return new Group(ID_PREFIX + number, name, ops.toString(), null, ids);
    }

    /** Within a long stretch: a conv whose only reader is a norm and/or an activation that reads only it, as one group each. */
    private static void fused(List<LayerInfo> layers, int from, int to, Map<String, Integer> outDegree, Map<String, Integer> inDegree,
                              Map<String, String> onlyConsumer, List<Group> out) {
        Map<String, LayerInfo> byId = new HashMap<>();
        for (int i = from; i <= to; i++) {
            byId.put(layers.get(i).id(), layers.get(i));
        }
        for (int i = from; i <= to; i++) {
            LayerInfo conv = layers.get(i);
            if (conv.kind() != LayerKind.CONV && conv.kind() != LayerKind.DENSE) {
                continue;
            }
            List<LayerInfo> run = new ArrayList<>(List.of(conv));
            LayerInfo last = conv;
            for (LayerKind next : new LayerKind[] {LayerKind.NORM, LayerKind.ACTIVATION}) {
                String c = outDegree.getOrDefault(last.id(), 0) == 1 ? onlyConsumer.get(last.id()) : null;
                LayerInfo l = c == null ? null : byId.get(c);
                if (l != null && l.kind() == next && inDegree.getOrDefault(l.id(), 0) == 1) {
                    run.add(l);
                    last = l;
                }
            }
            if (run.size() > 1) {
                List<String> ids = new ArrayList<>();
                StringBuilder type = new StringBuilder();
                for (LayerInfo l : run) {
                    ids.add(l.id());
                    type.append(type.length() == 0 ? "" : " + ").append(l.frameworkType());
                }
                out.add(new Group(ID_PREFIX + "fused:" + conv.id(), conv.name(), type.toString(), null, ids));
            }
        }
    }
}
