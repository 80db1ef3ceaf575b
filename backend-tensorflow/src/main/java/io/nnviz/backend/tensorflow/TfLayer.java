package io.nnviz.backend.tensorflow;

import io.nnviz.api.LayerKind;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One layer recognised in a graph: its ops, the weights they read, the layers it reads from, the
 * output it gives and its kind. Filled in by {@link TfOpGroups} while it reads the graph, read-only
 * afterwards.
 */
final class TfLayer {
    final String id;
    final List<GraphOperation> ops = new ArrayList<>();
    final List<TfWeight> weights = new ArrayList<>();
    /** The ids of the layers whose values this one reads. */
    final Set<String> inputs = new LinkedHashSet<>();
    Output<?> output;
    LayerKind kind = LayerKind.OTHER;

    TfLayer(String id) {
        this.id = id;
    }

    /** Its op types in order of appearance, joined with '+' (the first six, then "+..."). */
    String types() {
        List<String> t = new ArrayList<>();
        for (GraphOperation op : ops) {
            if (!t.contains(op.type())) {
                t.add(op.type());
            }
        }
        return String.join("+", t.size() > 6 ? t.subList(0, 6) : t) + (t.size() > 6 ? "+..." : "");
    }
}
