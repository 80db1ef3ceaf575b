package io.nnviz.renderers.figures;

import io.nnviz.api.Edge;
import io.nnviz.api.Group;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Completes name groups from the graph: a layer whose name carries no hierarchy (exporters'
 * generated names, {@code Conv__220}, {@code Reshape_37}, {@code Transpose__52}) joins the group
 * its consumers are all in, as a convolution tf2onnx names {@code Conv__220} belongs with the
 * {@code block_1_expand_relu/Relu6} that reads it, and a bias's {@code Reshape} with the
 * {@code Add} it feeds; failing that, the group its producers are all in. Consumers are decided
 * first (the graph is walked from its outputs), so a chain of unnamed layers follows the named
 * layer it leads to. A layer whose neighbours are in different groups stays where it is.
 */
final class StructureGroups {
    private StructureGroups() {
    }

    /** {@code named} (groups from names, parents first) with the unnamed layers of {@code m} added where the graph places them. */
    static List<Group> complete(ModelView m, List<Group> named) {
        if (named.isEmpty()) {
            return named;
        }
        Map<String, String> groupOf = new HashMap<>();
        for (Group g : named) {
            g.layerIds().forEach(id -> groupOf.put(id, g.id()));
        }
        Map<String, List<String>> consumers = new HashMap<>(), producers = new HashMap<>();
        for (Edge e : m.edges()) {
            consumers.computeIfAbsent(e.from(), k -> new ArrayList<>()).add(e.to());
            producers.computeIfAbsent(e.to(), k -> new ArrayList<>()).add(e.from());
        }
        List<LayerInfo> layers = m.layers();
        Map<String, List<String>> added = new LinkedHashMap<>();
        for (int i = layers.size() - 1; i >= 0; i--) {
            join(layers.get(i), consumers, groupOf, added);
        }
        for (LayerInfo l : layers) {
            join(l, producers, groupOf, added);
        }
        if (added.isEmpty()) {
            return named;
        }
        List<Group> out = new ArrayList<>(named.size());
        for (Group g : named) {
            List<String> more = added.get(g.id());
            if (more == null) {
                out.add(g);
            } else {
                Set<String> ids = new HashSet<>(g.layerIds());
                ids.addAll(more);
                List<String> ordered = new ArrayList<>(ids.size());
                for (LayerInfo l : layers) {
                    if (ids.contains(l.id())) {
                        ordered.add(l.id()); // members in the model's order, as backends give them
                    }
                }
                out.add(new Group(g.id(), g.name(), g.frameworkType(), g.parentId(), ordered));
            }
        }
        return out;
    }

    /** Puts an ungrouped, unnamed layer in the one group all its {@code neighbours} are in, if they all are in one. */
    private static void join(LayerInfo l, Map<String, List<String>> neighbours, Map<String, String> groupOf, Map<String, List<String>> added) {
        if (groupOf.containsKey(l.id()) || l.kind() == LayerKind.INPUT || !NameGroups.path(l.name()).isEmpty()) {
            return;
        }
        String only = null;
        for (String n : neighbours.getOrDefault(l.id(), List.of())) {
            String g = groupOf.get(n);
            if (g == null || only != null && !only.equals(g)) {
                return; // a neighbour outside every group, or in another: it is drawn between the frames
            }
            only = g;
        }
        if (only != null) {
            groupOf.put(l.id(), only);
            added.computeIfAbsent(only, k -> new ArrayList<>()).add(l.id());
        }
    }
}
