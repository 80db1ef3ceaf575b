package io.nnviz.renderers.figures;

import io.nnviz.api.Group;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.canvas.Num;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.color.Colormap;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.color.ValueScale;
import io.nnviz.renderers.figures.ArchitectureUnits.Unit;
import io.nnviz.renderers.figures.ArchitectureUnits.Units;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The architecture of a model as a layered graph laid out by Eclipse ELK: one box per layer with
 * its name, kind, output shape and parameter count, coloured by kind; edges for the data flow,
 * skip connections and merges included; nested blocks drawn as frames that can be collapsed to
 * one box. Past {@link #autoCollapse(int) a size threshold}, blocks start collapsed and runs of
 * identical consecutive blocks (ResNet stages, transformer layers) fold into one "×N" box.
 *
 * <pre>{@code
 * Figure f = ArchitectureDiagram.of(model).direction(ArchitectureDiagram.Direction.LEFT_RIGHT).build();
 * }</pre>
 */
public final class ArchitectureDiagram {
    /** Flow direction. */
    public enum Direction {
        /** Inputs at the top. */
        TOP_DOWN,
        /** Inputs at the left. */
        LEFT_RIGHT
    }

    static final double NODE_H = 54, PAD = 16, TITLE_H = 30, GROUP_HEADER = 18;
    /** How a box's name and its other lines are drawn. */
    static final TextStyle NAME = TextStyle.of(10.5).asBold(), LINE = TextStyle.of(9);
    /** Most boxes drawn: past this an expanded view is drawn collapsed, and the title says so. */
    static final int MAX_BOXES = 30_000;
    static final Map<LayerKind, Integer> KIND_COLORS = new EnumMap<>(LayerKind.class);

    static {
        // EMF, under ELK, starts a thread that prints an InterruptedException when a launcher such as
        // Maven's exec:java interrupts it at exit; nnviz needs none of what it does. Off unless the
        // application chose otherwise.
        if (System.getProperty("org.eclipse.emf.common.util.ReferenceClearingQueue") == null) {
            System.setProperty("org.eclipse.emf.common.util.ReferenceClearingQueue", "false");
        }
    }

    static {
        KIND_COLORS.put(LayerKind.INPUT, 0xFFE8E8E8);
        KIND_COLORS.put(LayerKind.CONV, 0xFFBFD7EA);
        KIND_COLORS.put(LayerKind.DENSE, 0xFFC9E4C5);
        KIND_COLORS.put(LayerKind.POOL, 0xFFF6E3B4);
        KIND_COLORS.put(LayerKind.NORM, 0xFFE3D3F0);
        KIND_COLORS.put(LayerKind.ACTIVATION, 0xFFFAD4C0);
        KIND_COLORS.put(LayerKind.RECURRENT, 0xFFB5E0DC);
        KIND_COLORS.put(LayerKind.ATTENTION, 0xFFF4C2D7);
        KIND_COLORS.put(LayerKind.EMBEDDING, 0xFFD9EAD3);
        KIND_COLORS.put(LayerKind.DROPOUT, 0xFFEEEEEE);
        KIND_COLORS.put(LayerKind.RESHAPE, 0xFFF2F2F2);
        KIND_COLORS.put(LayerKind.MERGE, 0xFFFFF2A8);
        KIND_COLORS.put(LayerKind.OUTPUT, 0xFFF7B6B2);
        KIND_COLORS.put(LayerKind.OTHER, 0xFFDDDDDD);
    }

    private final ModelView model;
    private String title;
    private Direction direction = Direction.TOP_DOWN;
    private final Set<String> collapsed = new HashSet<>();
    private final Set<String> expanded = new HashSet<>();
    private int autoCollapse = 120;
    private int minRun = 2;
    private int depth;
    private Map<String, Double> overlay;
    private String overlayLabel;
    private Colormap overlayMap = Colormaps.VIRIDIS;
    private boolean overlayFromZero;
    private List<KeyEntry> key = List.of();

    /**
     * A line of the diagram's key, under the overlay's colour bar: a swatch filled and outlined
     * as the boxes it explains, and what they are.
     *
     * @param label   what such boxes are ("added")
     * @param fill    the swatch's fill, ARGB
     * @param outline the swatch's outline, ARGB
     */
    public record KeyEntry(String label, int fill, int outline) {
        /** Checks the label. */
        public KeyEntry {
            Objects.requireNonNull(label, "label");
        }
    }
    private Map<String, Integer> marks = Map.of();

    private ArchitectureDiagram(ModelView model) {
        this.model = Objects.requireNonNull(model, "model");
        this.title = model.name() + " (" + model.framework() + ", " + Num.count(model.parameterCount()) + " parameters)";
    }

    /** A diagram of a model's structure. */
    public static ArchitectureDiagram of(ModelView model) {
        return new ArchitectureDiagram(model);
    }

    /** Title. */
    public ArchitectureDiagram title(String t) {
        this.title = Objects.requireNonNull(t, "title");
        return this;
    }

    /** Flow direction (default top-down). */
    public ArchitectureDiagram direction(Direction d) {
        this.direction = Objects.requireNonNull(d, "direction");
        return this;
    }

    /** Draws the group as one box. */
    public ArchitectureDiagram collapse(String groupId) {
        collapsed.add(groupId);
        expanded.remove(groupId);
        return this;
    }

    /** Draws the group's layers, even past the auto-collapse threshold. */
    public ArchitectureDiagram expand(String groupId) {
        expanded.add(groupId);
        collapsed.remove(groupId);
        return this;
    }

    /**
     * Draws the groups at {@code depth} (1: the top-level blocks) collapsed, each one box with its
     * parameter count, the groups above them as frames, and runs of identical sibling blocks
     * (same structure and parameter count) folded into one box marked "\u00d7 N". 0 (default)
     * leaves it to {@link #autoCollapse}.
     */
    public ArchitectureDiagram depth(int depth) {
        if (depth < 0) {
            throw new IllegalArgumentException("depth must be 0 (automatic) or more: " + depth);
        }
        this.depth = depth;
        return this;
    }

    /**
     * Models with more layers than this are drawn collapsed at the deepest group depth that keeps
     * the boxes within this number, identical runs folded (default 120); 0 collapses always at the
     * top level, {@link Integer#MAX_VALUE} never.
     */
    public ArchitectureDiagram autoCollapse(int layerThreshold) {
        this.autoCollapse = layerThreshold;
        return this;
    }

    /**
     * Colours the boxes by a value per layer (parameters, a weight norm, a probe's activation mean,
     * a diff's weight change: any {@code Map<layerId, Double>}) on the viridis scale of the values'
     * range, with a legend named {@code label}. A collapsed or folded box takes the largest of its
     * layers' values; layers without a value (or NaN) are drawn white.
     */
    public ArchitectureDiagram overlay(Map<String, Double> valuesByLayer, String label) {
        this.overlay = Map.copyOf(Objects.requireNonNull(valuesByLayer, "valuesByLayer"));
        this.overlayLabel = Objects.requireNonNull(label, "label");
        return this;
    }

    /**
     * As {@link #overlay(Map, String)}, on {@code map}; with {@code fromZero} the scale runs from 0
     * (not from the smallest value) to the largest, for magnitudes whose zero means "none" (a
     * diff's weight change: an unchanged layer gets the colour of 0).
     */
    public ArchitectureDiagram overlay(Map<String, Double> valuesByLayer, String label, Colormap map, boolean fromZero) {
        overlay(valuesByLayer, label);
        this.overlayMap = Objects.requireNonNull(map, "map");
        this.overlayFromZero = fromZero;
        return this;
    }

    /** Lines of the key drawn under the overlay's colour bar: what box outlines and fills mean (a diff's added and changed layers). */
    public ArchitectureDiagram key(List<KeyEntry> entries) {
        this.key = List.copyOf(entries);
        return this;
    }

    /** Outlines the given layers' boxes in a colour of their own (ARGB), thicker: a diff's added and changed layers. */
    public ArchitectureDiagram marks(Map<String, Integer> outlineByLayer) {
        this.marks = Map.copyOf(Objects.requireNonNull(outlineByLayer, "outlineByLayer"));
        return this;
    }

    /**
     * How deep the hierarchy the diagram draws is: the model's groups, or for a model without any,
     * those its layer names give ({@code /encoder/layer.0/...}, {@code block_3_expand}); 0 for none.
     */
    public static int hierarchyDepth(ModelView m) {
        List<Group> groups = Units.groupsOf(m, false, 120);
        Map<String, Group> byId = new HashMap<>();
        groups.forEach(g -> byId.put(g.id(), g));
        int max = 0;
        for (Group g : groups) {
            int d = 1;
            for (String p = g.parentId(); p != null && byId.containsKey(p) && d < 10_000; p = byId.get(p).parentId()) {
                d++;
            }
            max = Math.max(max, d);
        }
        return max;
    }

    /** Builds the figure, running the layout now. */
    public Figure build() {
        return build(units());
    }

    /**
     * Builds the figure, running the layout now, if it draws at most {@code maxBoxes} boxes and
     * frames; else empty, without a layout (its units counted, nothing laid out or drawn).
     */
    public Optional<Figure> buildWithin(int maxBoxes) {
        Units asked = units();
        return asked.units.size() > maxBoxes ? Optional.empty() : Optional.of(build(asked));
    }

    private Units units() {
        return new Units(model, collapsed, expanded, model.layers().size() > autoCollapse, autoCollapse, depth, minRun);
    }

    private Figure build(Units asked) {
        String t = title;
        boolean capped = asked.units.size() > MAX_BOXES; // a layout and an SVG nobody can read or open: the collapsed view, said in the title
        Units units = capped ? new Units(model, Set.of(), Set.of(), true, 120, 0, minRun) : asked;
        if (capped) {
            t += " \u2014 " + Num.count(model.layers().size()) + " layers: drawn collapsed (over " + Num.count(MAX_BOXES) + " boxes expanded)";
        }
        ValueScale scale = overlay == null ? null : colour(units);
        ElkLayout.Placed placed = ElkLayout.layout(units, direction, model.name());
        ArchitectureFigure d = ArchitectureFigure.of(units.orderOnly ? t + " \u2014 edges unknown: layers in the file's order" : t, units, placed,
                new ArchitectureFigure.Legend(overlayMap, scale, overlayLabel, key, List.copyOf(units.dimensionKey)));
        units.units.values().forEach(u -> u.outline = 0);
        marks.forEach((layer, argb) -> {
            Unit u = units.units.get(units.unitOfLayer.get(layer));
            if (u != null) {
                u.outline = argb;
            }
        });
        return d;
    }

    /** Relative luminance of an ARGB colour in [0, 1] (Rec. 709 weights): dark fills get white text, whatever the map. */
    private static double luminance(int argb) {
        return (0.2126 * (argb >> 16 & 0xFF) + 0.7152 * (argb >> 8 & 0xFF) + 0.0722 * (argb & 0xFF)) / 255;
    }

    /** Sets each box's fill from the overlay; returns the scale the legend shows. */
    private ValueScale colour(Units units) {
        Map<String, Double> byUnit = new HashMap<>();
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, Double> e : overlay.entrySet()) {
            String u = units.unitOfLayer.get(e.getKey());
            double v = e.getValue() == null ? Double.NaN : e.getValue();
            if (u == null || !Double.isFinite(v)) {
                continue;
            }
            byUnit.merge(u, v, Math::max);
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        ValueScale scale = overlayFromZero ? new ValueScale(0, hi > 0 ? hi : 1) : lo > hi ? new ValueScale(0, 0) : ValueScale.of(lo, hi, false);
        for (Unit u : units.units.values()) {
            if (!u.frame) {
                Double v = byUnit.get(u.id);
                double t = v == null ? 0 : scale.isDegenerate() ? 0.5 : scale.normalize(v);
                u.fill = v == null ? 0xFFFFFFFF : overlayMap.color(t);
                u.lightText = v != null && luminance(u.fill) < 0.45;
            }
        }
        return scale;
    }
}
