package io.nnviz.renderers;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Short names for display: the layers' names without the prefix most of them share
 * ({@code StatefulPartitionedCall/functional_1/conv2d_12/BiasAdd} shows as
 * {@code conv2d_12/BiasAdd} when most layers sit under {@code StatefulPartitionedCall/functional_1/});
 * a name without the prefix shows whole. The prefix ends at a separator ({@code / . :}) and leaves
 * every name that has it something; inputs are not counted. Figures keep the full id in tooltips,
 * and JSON keeps ids as they are.
 */
public final class LayerNames {
    private static final String SEPARATORS = "/.:";
    private final String prefix;
    private final Map<String, String> byId = new HashMap<>();

    private LayerNames(String prefix, List<LayerInfo> layers) {
        this.prefix = prefix;
        for (LayerInfo l : layers) {
            String n = l.name();
            byId.put(l.id(), !prefix.isEmpty() && n.startsWith(prefix) && n.length() > prefix.length() ? n.substring(prefix.length()) : n);
        }
    }

    /** The display names of a model's layers. */
    public static LayerNames of(ModelView m) {
        return of(m.layers());
    }

    /** The display names of these layers. */
    public static LayerNames of(List<LayerInfo> layers) {
        List<String> names = new ArrayList<>();
        for (LayerInfo l : layers) {
            if (l.kind() != LayerKind.INPUT) {
                names.add(l.name());
            }
        }
        return new LayerNames(prefix(names), layers);
    }

    /**
     * The longest prefix, ending at a separator, that at least {@link #MOST} of the names share
     * and that leaves each of them something; "" for fewer than two names or none such. Exporters
     * put most of a graph under one scope and a few ops beside it (a detector's post-processing,
     * a quantizer's input ops), so a prefix all names share would often be none.
     */
    static String prefix(List<String> names) {
        if (names.size() < 2) {
            return "";
        }
        Map<String, Integer> count = new HashMap<>();
        for (String n : names) {
            // a path name is cut at a slash only: "/encoder/layer.5/..." keeps "layer.5" whole
            String seps = n.indexOf('/') >= 0 ? "/" : SEPARATORS;
            for (int i = 0; i < n.length() - 1; i++) { // a prefix that is the whole name would show as nothing
                if (seps.indexOf(n.charAt(i)) >= 0 && i > 0) {
                    count.merge(n.substring(0, i + 1), 1, Integer::sum);
                }
            }
        }
        String best = "";
        int need = Math.max(2, (int) Math.ceil(MOST * names.size()));
        for (Map.Entry<String, Integer> e : count.entrySet()) {
            if (e.getValue() >= need && e.getKey().length() > best.length()) {
                best = e.getKey();
            }
        }
        return best;
    }

    /** The share of names a prefix must be shared by to be left out. */
    static final double MOST = 0.6;

    private static String commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length()), i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return a.substring(0, i);
    }

    /** The prefix most (non-input) layer names share, or "" when none. */
    public String prefix() {
        return prefix;
    }

    /**
     * A layer's output shape for display: with the names of its symbolic dimensions where the
     * backend kept them (its {@code shape} attribute, "[batch_size, 128]"), else its sizes, "?"
     * for one unknown, or "?" when none is known; followed by " measured" when the backend
     * measured it by running the model rather than inferring it (its {@code shape source}
     * attribute says "measured ..."), since it then holds for the input it ran on only.
     */
    public static String shape(LayerInfo l) {
        String symbolic = l.attributes().get("shape");
        String source = l.attributes().get("shape source");
        String mark = source != null && source.startsWith("measured") ? " measured" : "";
        if (symbolic != null && symbolic.startsWith("[") && symbolic.endsWith("]")) {
            return symbolic + mark;
        }
        return l.outputShape() == null ? "?" : l.outputShape() + mark;
    }

    /** The name to show for a layer. */
    public String display(LayerInfo l) {
        return byId.getOrDefault(l.id(), l.name());
    }
}
