package io.nnviz.renderers;

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
    /** Long symbolic dimension names and the short names shown for them, in the order the layers first use them. */
    private final Map<String, String> dims = new LinkedHashMap<>();
    /** Short names passed over because the model uses them itself. */
    private int skipped;

    private LayerNames(String prefix, List<LayerInfo> layers) {
        this.prefix = prefix;
        Set<String> taken = new HashSet<>();
        for (LayerInfo l : layers) {
            String n = l.name();
            byId.put(l.id(), !prefix.isEmpty() && n.startsWith(prefix) && n.length() > prefix.length() ? n.substring(prefix.length()) : n);
            taken.addAll(symbols(l));
        }
        for (LayerInfo l : layers) {
            for (String s : symbols(l)) {
                if (s.length() > LONG_DIM && !dims.containsKey(s)) {
                    dims.put(s, alias(taken));
                }
            }
        }
        // then, where a shape is still too long, its longest names: an attention score's [batch_size, 12,
        // sequence_length, sequence_length] or a Loop's [Squeeze665_dim_0, Squeeze665_dim_1, ...]
        for (LayerInfo l : layers) {
            while (shape(l).replace(MEASURED, "").length() > FIT) {
                String longest = null;
                for (String s : symbols(l)) {
                    if (!dims.containsKey(s) && s.length() > 3 && (longest == null || s.length() > longest.length())) {
                        longest = s;
                    }
                }
                if (longest == null) {
                    break;
                }
                dims.put(longest, alias(taken));
            }
        }
    }

    /** The next short name, D0, D1 and on, skipping names the model uses itself. */
    private String alias(Set<String> taken) {
        while (taken.contains("D" + (dims.size() + skipped))) {
            skipped++;
        }
        return "D" + (dims.size() + skipped);
    }

    /**
     * Symbolic dimension names longer than this are shown short ({@code p2o.DynamicDimension.0}
     * as {@code D0}, with a key): at full length, three of them fill a table's column or a box's
     * line, and the sizes beside them are cut off. {@code batch_size} and {@code sequence_length} stay
     * where their shapes fit in {@link #FIT} characters.
     */
    static final int LONG_DIM = 16;

    private static final String MEASURED = " measured";

    /** The characters a shape takes at most once its names are shown short (a measured one's mark aside), where names allow. */
    public static final int FIT = 44;

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
    public static String fullShape(LayerInfo l) {
        String symbolic = symbolic(l);
        String source = l.attributes().get("shape source");
        String mark = source != null && source.startsWith("measured") ? MEASURED : "";
        if (symbolic != null) {
            return symbolic + mark;
        }
        return l.outputShape() == null ? "?" : l.outputShape() + mark;
    }

    /** {@link #fullShape}, with long symbolic dimension names in their short form ({@link #dimensionKey}). */
    public String shape(LayerInfo l) {
        String full = fullShape(l);
        if (dims.isEmpty() || symbolic(l) == null) {
            return full;
        }
        int end = full.indexOf(']');
        StringBuilder b = new StringBuilder(full.length()).append('[');
        String[] parts = full.substring(1, end).split(", ", -1);
        for (int i = 0; i < parts.length; i++) {
            b.append(i > 0 ? ", " : "").append(dims.getOrDefault(parts[i], parts[i]));
        }
        return b.append(full, end, full.length()).toString();
    }

    /** What each short dimension name stands for, "D0 = p2o.DynamicDimension.0"; empty when no name is long. */
    public List<String> dimensionKey() {
        List<String> key = new ArrayList<>(dims.size());
        dims.forEach((name, alias) -> key.add(alias + " = " + name));
        return key;
    }

    /** The key's entries for the short names in this layer's {@link #shape}. */
    public List<String> dimensionKey(LayerInfo l) {
        List<String> key = new ArrayList<>(1);
        for (String s : symbols(l)) {
            String alias = dims.get(s);
            if (alias != null && !key.contains(alias + " = " + s)) {
                key.add(alias + " = " + s);
            }
        }
        return key;
    }

    /** The layer's shape with the names of its symbolic dimensions, "[batch_size, 128]", or null when the backend kept none. */
    private static String symbolic(LayerInfo l) {
        String s = l.attributes().get("shape");
        return s != null && s.length() >= 2 && s.startsWith("[") && s.endsWith("]") ? s : null;
    }

    /** The symbolic names in a layer's shape: its dimensions that are neither sizes nor "?". */
    private static List<String> symbols(LayerInfo l) {
        String s = symbolic(l);
        if (s == null || s.length() == 2) {
            return List.of();
        }
        List<String> out = new ArrayList<>(2);
        for (String d : s.substring(1, s.length() - 1).split(", ", -1)) {
            if (!d.isEmpty() && !d.equals("?") && !Character.isDigit(d.charAt(0)) && d.charAt(0) != '-') {
                out.add(d);
            }
        }
        return out;
    }

    /** The name to show for a layer. */
    public String display(LayerInfo l) {
        return byId.getOrDefault(l.id(), l.name());
    }
}
