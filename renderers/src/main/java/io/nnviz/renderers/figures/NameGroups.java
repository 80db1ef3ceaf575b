package io.nnviz.renderers.figures;

import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Groups read from layer names, for models whose format keeps no hierarchy but whose exporter
 * wrote it into the names: path names ({@code /encoder/layer.0/attention/self/query/MatMul}, as
 * PyTorch's ONNX export and TensorFlow write them), dotted module paths ({@code layer1.0.conv1}),
 * and Keras' numbered blocks ({@code block_3_expand_BN}). A group needs two layers and may not
 * hold every layer but the inputs (a prefix all names share is no block). Operator-and-index names
 * ({@code Conv.12}, and the tensor names PyTorch numbers that quantizers suffix,
 * {@code input.1252_QuantizeLinear}) are no hierarchy.
 */
final class NameGroups {
    /** The id prefix of the groups made here. */
    static final String ID_PREFIX = ArchitectureUnits.Units.SYNTHETIC + "name:";
    private static final Pattern KERAS_BLOCK = Pattern.compile("^(.*?_\\d+)_.+$");
    /** A last dotted part that is an index, maybe with a suffix: {@code Conv.12}, {@code input.1252_QuantizeLinear}. */
    private static final Pattern INDEX = Pattern.compile("\\d+(_.*)?");

    private NameGroups() {
    }

    /** The groups the names of {@code m}'s layers give, parents before children; empty if they give none. */
    static List<Group> of(ModelView m) {
        Map<String, List<String>> path = new LinkedHashMap<>(); // layer id -> its group path, outermost first
        for (LayerInfo l : m.layers()) {
            List<String> p = path(l.name());
            if (!p.isEmpty()) {
                path.put(l.id(), p);
            }
        }
        // how many layers each prefix holds
        Map<String, Integer> size = new HashMap<>();
        for (List<String> p : path.values()) {
            for (int k = 1; k <= p.size(); k++) {
                size.merge(key(p, k), 1, Integer::sum);
            }
        }
        // a prefix every layer but the inputs shares (StatefulPartitionedCall/functional_1/...) is the model, not a block
        int all = (int) m.layers().stream().filter(l -> l.kind() != LayerKind.INPUT).count();
        Map<String, Group> groups = new LinkedHashMap<>();
        Map<String, List<String>> members = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : path.entrySet()) {
            List<String> p = e.getValue();
            String parent = null, innermost = null;
            for (int k = 1; k <= p.size(); k++) {
                String key = key(p, k);
                int n = size.get(key);
                if (n < 2 || n >= all) {
                    continue;
                }
                if (!groups.containsKey(key)) {
                    groups.put(key, null);
                    members.put(key, new ArrayList<>());
                    groups.put(key, new Group(ID_PREFIX + key, p.get(k - 1), "name prefix", parent == null ? null : ID_PREFIX + parent,
                            List.of()));
                }
                parent = key;
                innermost = key;
            }
            if (innermost != null) {
                members.get(innermost).add(e.getKey());
            }
        }
        List<Group> out = new ArrayList<>();
        for (Map.Entry<String, Group> g : groups.entrySet()) {
            Group x = g.getValue();
            out.add(new Group(x.id(), x.name(), x.frameworkType(), x.parentId(), members.get(g.getKey())));
        }
        return out;
    }

    /** A layer's name inside its name group's frame: its last part ({@code MatMul}, {@code conv1}, {@code expand_BN}). */
    static String shortName(String name) {
        int slash = name.lastIndexOf('/');
        if (slash >= 0) {
            return name.substring(slash + 1);
        }
        List<String> p = path(name);
        if (p.isEmpty()) {
            return name;
        }
        String block = String.join(name.indexOf('.') > 0 ? "." : "_", p);
        return name.length() > block.length() + 1 ? name.substring(block.length() + 1) : name;
    }

    private static String key(List<String> p, int k) {
        return String.join("/", p.subList(0, k));
    }

    /** The group path a name implies, outermost first (without the layer's own last part). */
    static List<String> path(String name) {
        List<String> parts = new ArrayList<>();
        if (name.indexOf('/') >= 0) {
            for (String s : name.split("/")) {
                if (!s.isEmpty()) {
                    parts.add(s);
                }
            }
        } else if (name.indexOf('.') > 0) {
            String[] s = name.split("\\.");
            if (INDEX.matcher(s[s.length - 1]).matches()) {
                return List.of(); // Conv.12: an operator and its index
            }
            parts.addAll(List.of(s));
        } else {
            Matcher km = KERAS_BLOCK.matcher(name);
            return km.matches() ? List.of(km.group(1)) : List.of();
        }
        return parts.size() < 2 ? List.of() : parts.subList(0, parts.size() - 1);
    }
}
