package io.nnviz.backend.dl4j.keras;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.spi.Printable;

import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a Keras file keeps each layer's weights, found without reading their values:
 * <ul>
 * <li>Keras 3 ({@code model.weights.h5} in a {@code .keras} archive): a layer's variables are the
 *     datasets {@code <its group>/vars/0, 1, ...} in the order the layer made them, those of the
 *     objects it holds (a recurrent layer's {@code cell}, an attention layer's dense projections) in
 *     subgroups; the group is the one {@link KerasConfig} computed (Keras 2.13's
 *     {@code _layer_checkpoint_dependencies} for {@code layers} is read too);</li>
 * <li>Keras 2 ({@code model.save("m.h5")}, {@code save_weights}): each top-level layer's group under
 *     {@code model_weights} (or the root) lists its {@code weight_names} ({@code conv2d/kernel:0},
 *     {@code gru/gru_cell/kernel:0}; long lists split over {@code weight_names0, 1, ...}), each a
 *     dataset under the group; a nested model's group lists its layers' weights, each assigned to
 *     the layer its name starts with.</li>
 * </ul>
 * Only floating-point datasets are weights; integer ones (counters, seeds) are counted apart.
 */
final class KerasStore {
    /**
     * One weight.
     *
     * @param name    Keras's name for it (kernel, bias, gamma, moving_mean, recurrent_kernel, ...)
     * @param dataset its dataset's path in the HDF5 file
     * @param shape   its shape as stored (Keras's layout)
     */
    record Ref(String name, String dataset, long[] shape) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    /** Each layer's weights (by layer id), and the count of other datasets (integer state) seen beside them. */
    record Located(Map<String, List<Ref>> weights, int others) {
    }

    private KerasStore() {
    }

    /** Keras 3's layout. */
    static Located keras3(Path p, HdfFile h5, KerasConfig.Graph g) {
        Map<String, List<Ref>> out = new LinkedHashMap<>();
        int[] others = {0};
        boolean legacy = h5.getChildren().containsKey("_layer_checkpoint_dependencies") && !h5.getChildren().containsKey("layers");
        for (KerasConfig.Node n : g.nodes()) {
            String at = legacy ? n.store().replace("layers/", "_layer_checkpoint_dependencies/") : n.store();
            Node group = find(h5, at);
            List<Ref> refs = new ArrayList<>();
            if (group instanceof Group grp) {
                collect(grp, "", n, refs, others);
            }
            out.put(n.id(), refs);
        }
        return new Located(out, others[0]);
    }

    /** A layer group's variables: its own vars in order, then its subgroups' (sorted by name), named by {@link KerasTensors#names}. */
    private static void collect(Group g, String sub, KerasConfig.Node n, List<Ref> refs, int[] others) {
        Node vars = g.getChildren().get("vars");
        if (vars instanceof Group v) {
            List<Dataset> ds = new ArrayList<>();
            for (Node x : v.getChildren().values()) {
                if (x instanceof Dataset d) {
                    ds.add(d);
                }
            }
            ds.sort(Comparator.comparingLong(d -> number(d.getName())));
            List<String> names = KerasTensors.names(n.className(), n.config(), sub);
            int i = 0;
            for (Dataset d : ds) {
                if (!floating(d)) {
                    others[0]++;
                    continue;
                }
                String name = i < names.size() ? names.get(i) : "var" + d.getName();
                refs.add(new Ref(sub.isEmpty() ? name : sub + "/" + name, d.getPath(), dims(d)));
                i++;
            }
        }
        List<String> children = new ArrayList<>(g.getChildren().keySet());
        children.sort(null);
        for (String c : children) {
            if (!c.equals("vars") && g.getChildren().get(c) instanceof Group child) {
                collect(child, sub.isEmpty() ? c : sub + "/" + c, n, refs, others);
            }
        }
    }

    /** Keras 2's layout: under {@code model_weights} (a whole model's file) or the root (a weights file). */
    static Located keras2(Path p, HdfFile h5, KerasConfig.Graph g) {
        Node mw = h5.getChildren().get("model_weights");
        Group root = mw instanceof Group grp ? grp : h5;
        Map<String, List<Ref>> out = new LinkedHashMap<>();
        Map<String, List<KerasConfig.Node>> byTop = new HashMap<>();
        for (KerasConfig.Node n : g.nodes()) {
            out.put(n.id(), new ArrayList<>());
            byTop.computeIfAbsent(n.top(), k -> new ArrayList<>()).add(n);
        }
        int others = 0;
        for (Map.Entry<String, List<KerasConfig.Node>> e : byTop.entrySet()) {
            Node layerGroup = root.getChildren().get(e.getKey());
            if (!(layerGroup instanceof Group lg)) {
                continue;
            }
            for (String wn : strings(p, lg, "weight_names")) {
                Node d = find(lg, wn);
                if (!(d instanceof Dataset ds)) {
                    throw new ModelLoadException(p, "its layer " + Printable.name(e.getKey()) + " lists the weight " + Printable.name(wn)
                            + ", which the file does not hold");
                }
                if (!floating(ds)) {
                    others++;
                    continue;
                }
                KerasConfig.Node owner = owner(e.getValue(), e.getKey(), wn);
                if (owner == null) {
                    others++;
                    continue;
                }
                String[] parts = wn.split("/");
                String name = parts[parts.length - 1].replaceFirst(":\\d+$", "");
                out.get(owner.id()).add(new Ref(name, ds.getPath(), dims(ds)));
            }
        }
        return new Located(out, others);
    }

    /** The layer a weight of top-level layer {@code top} belongs to: itself, or in a nested model the layer its name starts with. */
    private static KerasConfig.Node owner(List<KerasConfig.Node> nodes, String top, String weightName) {
        if (nodes.size() == 1 && nodes.get(0).name().equals(top)) {
            return nodes.get(0);
        }
        for (String segment : weightName.split("/")) {
            for (KerasConfig.Node n : nodes) {
                if (n.name().equals(segment)) {
                    return n;
                }
            }
        }
        return null;
    }

    /** An attribute of strings (fixed or variable length, one or many), or its parts {@code name0, name1, ...}; empty if none. */
    static List<String> strings(Path p, Node n, String name) {
        List<String> out = new ArrayList<>();
        Attribute a = n.getAttribute(name);
        if (a != null) {
            addStrings(a.getData(), out);
            return out;
        }
        for (int i = 0; i < 10_000; i++) {
            Attribute part = n.getAttribute(name + i);
            if (part == null) {
                break;
            }
            addStrings(part.getData(), out);
        }
        return out;
    }

    private static void addStrings(Object v, List<String> out) {
        if (v instanceof String s) {
            out.add(s);
        } else if (v instanceof byte[] b) {
            out.add(new String(b, java.nio.charset.StandardCharsets.UTF_8));
        } else if (v != null && v.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(v); i++) {
                addStrings(Array.get(v, i), out);
            }
        }
    }

    /** The object at a relative path below {@code g}, or null (no exception for a missing one). */
    static Node find(Group g, String relative) {
        Node at = g;
        for (String part : relative.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (!(at instanceof Group grp)) {
                return null;
            }
            at = grp.getChildren().get(part);
            if (at == null) {
                return null;
            }
        }
        return at;
    }

    private static boolean floating(Dataset d) {
        Class<?> t = d.getJavaType();
        return (t == float.class || t == double.class || t == Float.class || t == Double.class) && !d.isScalar();
    }

    private static long[] dims(Dataset d) {
        int[] i = d.getDimensions();
        long[] l = new long[i.length];
        for (int k = 0; k < i.length; k++) {
            l[k] = i[k];
        }
        return l;
    }

    private static long number(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}
