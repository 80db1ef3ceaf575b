package io.nnviz.renderers.figures;

import io.nnviz.api.ModelView;
import io.nnviz.api.diff.ModelDiff;
import io.nnviz.renderers.Figure;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link ModelDiff} drawn on the second model's architecture: boxes coloured by their layer's
 * relative weight change, added layers outlined green, layers whose structure changed outlined
 * orange, and the count of removed layers (which have no box in this model) in the title.
 */
public final class DiffDiagram {
    /** Outline of a layer only in the second model. */
    public static final int ADDED = 0xFF1E9E3C;
    /** Outline of a layer whose kind, shapes or attributes changed. */
    public static final int CHANGED = 0xFFE07800;

    private DiffDiagram() {
    }

    /** The diff from some model to {@code b}, on {@code b}'s architecture. */
    public static Figure of(ModelDiff diff, ModelView b, String title) {
        Map<String, Integer> marks = new LinkedHashMap<>();
        diff.added().forEach(l -> marks.put(l.idB(), ADDED));
        diff.changed().forEach(l -> marks.put(l.idB(), CHANGED));
        String t = String.format(java.util.Locale.ROOT, "%s \u2014 %d added (green), %d changed (orange), %d removed", title,
                diff.added().size(), diff.changed().size(), diff.removed().size());
        return ArchitectureDiagram.of(b).title(t).overlay(diff.weightChanges(), "||Wb - Wa|| / ||Wa||").marks(marks).build();
    }
}
