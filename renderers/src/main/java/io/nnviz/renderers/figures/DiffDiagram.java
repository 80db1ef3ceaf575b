package io.nnviz.renderers.figures;

import io.nnviz.api.ModelView;
import io.nnviz.api.diff.ModelDiff;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.color.Colormaps;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link ModelDiff} drawn on the second model's architecture, structure and weights kept apart
 * so no colour means two things: the outline says what happened to the layer's structure (green
 * added, orange changed, thin grey the same), the fill says how far its weights moved, on a
 * white-to-purple scale from 0 ({@link Colormaps#PURPLES}; white is unchanged, or no weights to
 * compare), with a key for both. The title counts each, and the removed layers (which have no box
 * in this model).
 */
public final class DiffDiagram {
    /** Outline of a layer only in the second model. */
    public static final int ADDED = 0xFF1E9E3C;
    /** Outline of a layer whose kind, shapes or attributes changed. */
    public static final int CHANGED = 0xFFE07800;
    /** Outline of a layer whose structure is the same. */
    public static final int SAME = 0xFF4A4A4A;
    /**
     * Relative weight change ||Wb - Wa|| / ||Wa|| at or below which a layer's weights count as
     * unchanged: float32 round-off of a model converted between formats (a Keras file and its DL4J
     * import) moves a layer by about 1e-7; one training step moves it by 1e-4 or more.
     */
    public static final double UNCHANGED_AT_MOST = 1e-6;
    /** {@link #UNCHANGED_AT_MOST} as the key and the CLI write it. */
    public static final String UNCHANGED_TEXT = "1e-6";

    /** Whether a layer's weights moved: a relative change above {@link #UNCHANGED_AT_MOST} (NaN, nothing to compare, did not). */
    public static boolean weightsChanged(double relativeChange) {
        return relativeChange > UNCHANGED_AT_MOST;
    }

    /** How many matched layers' weights moved ({@link #weightsChanged}). */
    public static long weightsChanged(ModelDiff diff) {
        return diff.weightChanges().values().stream().filter(DiffDiagram::weightsChanged).count();
    }

    private final ModelDiff diff;
    private final ModelView b;
    private String title = "Diff";

    private DiffDiagram(ModelDiff diff, ModelView b) {
        this.diff = Objects.requireNonNull(diff, "diff");
        this.b = Objects.requireNonNull(b, "b");
    }

    /** The diff from some model to {@code b}, drawn on {@code b}'s architecture. */
    public static DiffDiagram of(ModelDiff diff, ModelView b) {
        return new DiffDiagram(diff, b);
    }

    /** The title's start; the counts of what changed follow it (default "Diff"). */
    public DiffDiagram title(String title) {
        this.title = Objects.requireNonNull(title, "title");
        return this;
    }

    /** The figure. */
    public Figure build() {
        Map<String, Integer> marks = new LinkedHashMap<>();
        diff.added().forEach(l -> marks.put(l.idB(), ADDED));
        diff.changed().forEach(l -> marks.put(l.idB(), CHANGED));
        Map<String, Double> change = new LinkedHashMap<>(); // round-off is no change: white, as the key says
        diff.weightChanges().forEach((layer, v) -> change.put(layer, weightsChanged(v) ? v : 0.0));
        String t = String.format(Locale.ROOT, "%s \u2014 %d added, %d changed, %d removed; %d with moved weights", title,
                diff.added().size(), diff.changed().size(), diff.removed().size(), weightsChanged(diff));
        List<ArchitectureDiagram.KeyEntry> key = List.of(
                new ArchitectureDiagram.KeyEntry("added", 0xFFFFFFFF, ADDED),
                new ArchitectureDiagram.KeyEntry("structure changed", 0xFFFFFFFF, CHANGED),
                new ArchitectureDiagram.KeyEntry("structure the same", 0xFFFFFFFF, SAME),
                new ArchitectureDiagram.KeyEntry("white: weights moved \u2264 " + UNCHANGED_TEXT + ", or none", 0xFFFFFFFF, 0xFFBBBBBB));
        return ArchitectureDiagram.of(b).title(t).overlay(change, "weight change ||Wb\u2212Wa||/||Wa||", Colormaps.PURPLES, true)
                .marks(marks).key(key).build();
    }
}
