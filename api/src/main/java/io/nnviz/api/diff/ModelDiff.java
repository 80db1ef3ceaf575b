package io.nnviz.api.diff;

import io.nnviz.api.Capability;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What changed from model {@code a} to model {@code b}: layers matched by id, then the rest by
 * structure (in order, same kind and weight shapes); layers only in {@code a} removed, only in
 * {@code b} added; matched layers whose kind, shapes, weight shapes or attributes differ changed,
 * each difference said in words; and for every matched layer with weights on both sides the
 * relative change of its weights, ||W_b - W_a|| / ||W_a|| over all its tensors. Weights are compared
 * in nnviz's canonical layouts, so models of two formats compare (a Keras file and its DL4J
 * import, a checkpoint and the network it came from).
 *
 * <pre>{@code
 * ModelDiff d = ModelDiff.of(before, after);
 * d.changed().forEach(l -> System.out.println(l.idB() + ": " + l.differences()));
 * Map<String, Double> overlay = d.weightChanges();    // by b's layer ids, for ArchitectureDiagram.overlay
 * }</pre>
 */
public final class ModelDiff {
    /** What happened to a layer. */
    public enum Change {
        /** Only in b. */
        ADDED,
        /** Only in a. */
        REMOVED,
        /** In both, with a different kind, shape, weight shape or attribute. */
        CHANGED,
        /** In both, the same structure (its weights may differ: see {@link LayerDiff#weightChange}). */
        SAME
    }

    /**
     * One layer's fate: its ids in a and b (null where absent), what changed, and the relative
     * change of its weights (NaN where either side has none or their shapes differ).
     */
    public record LayerDiff(String idA, String idB, Change change, List<String> differences, double weightChange) {
        /** Copies the list. */
        public LayerDiff {
            differences = List.copyOf(differences);
        }
    }

    private final List<LayerDiff> layers;

    private ModelDiff(List<LayerDiff> layers) {
        this.layers = List.copyOf(layers);
    }

    /** The difference from {@code a} to {@code b}, weights included where both models expose them. */
    public static ModelDiff of(ModelView a, ModelView b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        Map<String, String> match = match(a, b);
        boolean weights = a.capabilities().contains(Capability.WEIGHTS) && b.capabilities().contains(Capability.WEIGHTS);
        List<LayerDiff> out = new ArrayList<>();
        Set<String> matchedB = new HashSet<>(match.values());
        for (LayerInfo la : a.layers()) {
            String idB = match.get(la.id());
            if (idB == null) {
                out.add(new LayerDiff(la.id(), null, Change.REMOVED, List.of(), Double.NaN));
                continue;
            }
            LayerInfo lb = b.layer(idB).orElseThrow();
            List<String> diffs = differences(la, lb);
            double w = weights && la.parameterCount() > 0 && lb.parameterCount() > 0 ? relativeChange(a.weights(la.id()), b.weights(idB)) : Double.NaN;
            out.add(new LayerDiff(la.id(), idB, diffs.isEmpty() ? Change.SAME : Change.CHANGED, diffs, w));
        }
        for (LayerInfo lb : b.layers()) {
            if (!matchedB.contains(lb.id())) {
                out.add(new LayerDiff(null, lb.id(), Change.ADDED, List.of(), Double.NaN));
            }
        }
        return new ModelDiff(out);
    }

    /** a's layer ids to b's: by id first, then the rest of each in order by kind and weight shapes. */
    private static Map<String, String> match(ModelView a, ModelView b) {
        Map<String, String> m = new LinkedHashMap<>();
        Set<String> idsB = new HashSet<>();
        b.layers().forEach(l -> idsB.add(l.id()));
        for (LayerInfo la : a.layers()) {
            if (idsB.contains(la.id())) {
                m.put(la.id(), la.id());
            }
        }
        List<LayerInfo> restB = new ArrayList<>();
        for (LayerInfo lb : b.layers()) {
            if (!m.containsValue(lb.id())) {
                restB.add(lb);
            }
        }
        int from = 0;
        for (LayerInfo la : a.layers()) {
            if (m.containsKey(la.id())) {
                continue;
            }
            for (int j = from; j < restB.size(); j++) {
                if (signature(restB.get(j)).equals(signature(la))) {
                    m.put(la.id(), restB.get(j).id());
                    from = j + 1;
                    break;
                }
            }
        }
        return m;
    }

    private static String signature(LayerInfo l) {
        StringBuilder s = new StringBuilder(l.kind().name());
        for (WeightSpec w : l.weights()) {
            s.append('|').append(w.shape());
        }
        return s.toString();
    }

    private static List<String> differences(LayerInfo a, LayerInfo b) {
        List<String> d = new ArrayList<>();
        if (a.kind() != b.kind()) {
            d.add("kind " + a.kind() + " -> " + b.kind());
        }
        if (!sameShape(a.outputShape(), b.outputShape())) {
            d.add("output " + a.outputShape() + " -> " + b.outputShape());
        }
        List<String> wa = a.weights().stream().map(w -> w.role() + " " + w.shape()).toList();
        List<String> wb = b.weights().stream().map(w -> w.role() + " " + w.shape()).toList();
        if (!wa.equals(wb)) {
            d.add("weights " + wa + " -> " + wb);
        }
        for (Map.Entry<String, String> e : a.attributes().entrySet()) {
            String other = b.attributes().get(e.getKey());
            if (other != null && !other.equals(e.getValue())) {
                d.add(e.getKey() + " " + e.getValue() + " -> " + other);
            }
        }
        return d;
    }

    /** Shapes equal where both are known (the batch dimension and other free ones match anything). */
    private static boolean sameShape(Shape a, Shape b) {
        return a == null || b == null || a.isCompatibleWith(b) && b.isCompatibleWith(a);
    }

    /**
     * ||b - a|| / ||a|| over all tensors of one layer, paired in order; NaN where they do not pair
     * up by shape, infinite where {@code a} is all zeros and {@code b} is not.
     */
    public static double relativeChange(List<WeightTensor> a, List<WeightTensor> b) {
        if (a.size() != b.size()) {
            return Double.NaN;
        }
        double diff = 0, norm = 0;
        for (int i = 0; i < a.size(); i++) {
            var ta = a.get(i).values();
            var tb = b.get(i).values();
            if (!ta.shape().equals(tb.shape())) {
                return Double.NaN;
            }
            for (int k = 0; k < ta.size(); k++) {
                double x = ta.getFlat(k), y = tb.getFlat(k);
                diff += (y - x) * (y - x);
                norm += x * x;
            }
        }
        return norm == 0 ? (diff == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(diff / norm);
    }

    /** Every layer of both, a's in order then those added in b. */
    public List<LayerDiff> layers() {
        return layers;
    }

    /** Layers only in b. */
    public List<LayerDiff> added() {
        return only(Change.ADDED);
    }

    /** Layers only in a. */
    public List<LayerDiff> removed() {
        return only(Change.REMOVED);
    }

    /** Matched layers whose structure differs. */
    public List<LayerDiff> changed() {
        return only(Change.CHANGED);
    }

    private List<LayerDiff> only(Change c) {
        return layers.stream().filter(l -> l.change() == c).toList();
    }

    /** The relative weight change of each matched layer with weights, by b's layer id. */
    public Map<String, Double> weightChanges() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (LayerDiff l : layers) {
            if (l.idB() != null && !Double.isNaN(l.weightChange())) {
                m.put(l.idB(), l.weightChange());
            }
        }
        return m;
    }

    /** True if nothing was added, removed or changed and no weight moved. */
    public boolean isEmpty() {
        return layers.stream().allMatch(l -> l.change() == Change.SAME && (Double.isNaN(l.weightChange()) || l.weightChange() == 0));
    }
}
