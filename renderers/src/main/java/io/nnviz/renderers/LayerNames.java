package io.nnviz.renderers;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Short names for display: the layers' names without the prefix they all share
 * ({@code StatefulPartitionedCall/functional_1/conv2d_12/BiasAdd} shows as
 * {@code conv2d_12/BiasAdd} when every layer sits under {@code StatefulPartitionedCall/functional_1/}).
 * The prefix ends at a separator ({@code / . :}) and leaves every name something; inputs are not
 * asked to share it. Figures keep the full id in tooltips, and JSON keeps ids as they are.
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
        String common = null;
        int named = 0;
        for (LayerInfo l : layers) {
            if (l.kind() == LayerKind.INPUT) {
                continue;
            }
            named++;
            common = common == null ? l.name() : commonPrefix(common, l.name());
            if (common.isEmpty()) {
                break;
            }
        }
        if (common == null || named < 2) {
            return new LayerNames("", layers);
        }
        int cut = -1;
        for (int i = common.length() - 1; i >= 0; i--) {
            if (SEPARATORS.indexOf(common.charAt(i)) >= 0) {
                cut = i + 1;
                break;
            }
        }
        String p = cut <= 1 ? "" : common.substring(0, cut);
        for (LayerInfo l : layers) { // a name that is the prefix itself would show as nothing
            if (l.kind() != LayerKind.INPUT && l.name().length() <= p.length()) {
                p = "";
            }
        }
        return new LayerNames(p, layers);
    }

    private static String commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length()), i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return a.substring(0, i);
    }

    /** The prefix every (non-input) layer name shares, or "" when none. */
    public String prefix() {
        return prefix;
    }

    /** The name to show for a layer. */
    public String display(LayerInfo l) {
        return byId.getOrDefault(l.id(), l.name());
    }
}
