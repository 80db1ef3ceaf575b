package io.nnviz.renderers.figures;

import io.nnviz.renderers.canvas.Anchor;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.color.Colormap;
import io.nnviz.renderers.color.ValueScale;
import io.nnviz.renderers.figures.ElkLayout.Placed;
import io.nnviz.renderers.figures.ArchitectureUnits.Unit;
import io.nnviz.renderers.figures.ArchitectureUnits.Units;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.nnviz.renderers.figures.ArchitectureDiagram.LINE;
import static io.nnviz.renderers.figures.ArchitectureDiagram.NAME;
import static io.nnviz.renderers.figures.ArchitectureDiagram.PAD;
import static io.nnviz.renderers.figures.ArchitectureDiagram.TITLE_H;

/** An {@link ArchitectureDiagram} laid out: draws its title, frames, edges, boxes and legend. */
final class ArchitectureFigure extends SizedFigure {
    private final Units units;
    private final Placed placed;
    private final Legend legend;
    private final double legendX, legendY;
    private final Caption head;

    /**
     * What the legend column shows: the overlay's colour bar (null scale: none) and a key of what
     * box fills and outlines mean (a diff's added and changed layers), then what the boxes' short
     * dimension names stand for.
     */
    record Legend(Colormap map, ValueScale scale, String label, List<ArchitectureDiagram.KeyEntry> key, List<String> dimensions) {
        static final double SWATCH = 14, BAR_H = 160, ROW_H = 18;

        boolean isEmpty() {
            return scale == null && key.isEmpty() && dimensions.isEmpty();
        }

        /** The width the column takes: the colour bar's, or the widest key entry's. */
        double width() {
            double w = scale == null ? 0 : ColorBar.WIDTH;
            for (ArchitectureDiagram.KeyEntry e : key) {
                w = Math.max(w, SWATCH + 6 + KEY.width(e.label()));
            }
            for (String d : dimensions) {
                w = Math.max(w, KEY.width(d));
            }
            return w;
        }

        double height() {
            return (scale == null ? 0 : BAR_H + 20) + key.size() * ROW_H + (dimensions.isEmpty() ? 0 : (dimensions.size() + 1) * ROW_H);
        }
    }

    private static final TextStyle KEY = TextStyle.of(10);

    private ArchitectureFigure(String title, Units units, Placed placed, double width, double height, Legend legend, double legendX,
                               Caption head) {
        super(width, height, title);
        this.head = head;
        this.legendY = TITLE_H + head.extra() + 12;
        this.units = units;
        this.placed = placed;
        this.legend = legend;
        this.legendX = legendX;
    }

    /**
     * A diagram sized to hold every box, the laid-out graph, the title and the legend (if any): the
     * title wraps within the graph's width ({@link Caption#titleWidth}) and the graph moves down
     * under it.
     */
    static ArchitectureFigure of(String title, Units units, Placed placed, Legend legend) {
        double w = placed.width(), h = placed.height();
        for (Unit x : units.units.values()) {
            w = Math.max(w, x.x + x.w + PAD);
            h = Math.max(h, x.y + x.h + PAD);
        }
        double legendX = w;
        if (!legend.isEmpty()) {
            w += legend.width() + PAD;
            h = Math.max(h, TITLE_H + 12 + legend.height() + PAD);
        }
        w = Caption.titleWidth(title, w, PAD);
        Caption head = Caption.title(title, w - 2 * PAD);
        double dy = head.extra();
        if (dy > 0) {
            units.units.values().forEach(x -> x.y += dy);
            for (double[][] e : placed.edges()) {
                for (int i = 0; i < e[1].length; i++) {
                    e[1][i] += dy;
                }
            }
        }
        return new ArchitectureFigure(title, units, placed, w, h + dy, legend, legendX, head);
    }

    /** How readable the layout is ({@link LayoutQuality}). */
    LayoutQuality quality() {
        return LayoutQuality.measure(units, placed.edges(), width(), height(), head.widest() + 2 * PAD);
    }

    @Override
    public void draw(Canvas c) {
        head.drawTitle(c, PAD);
        for (Unit x : units.units.values()) {
            if (x.frame) {
                c.beginGroup(x.tooltip, "block", data(x));
                c.rect(x.x, x.y, x.w, x.h, FRAME_TINT, 0xFF8CA0B8, 1);
                c.endGroup();
            }
        }
        c.beginGroup("edges", "edges");
        for (double[][] e : placed.edges()) {
            int n = e[0].length;
            if (units.orderOnly) { // the model's order, not a data flow: faint and without arrowheads
                c.path(e[0], e[1], n, 0, 0xFFC8C8C8, 0.8, false, false);
                continue;
            }
            c.path(e[0], e[1], n, 0, 0xFF555555, 1.1, false, false);
            arrow(c, e[0][n - 2], e[1][n - 2], e[0][n - 1], e[1][n - 1]);
        }
        c.endGroup();
        // frames' headers after the edges, on their frame's colour: an edge entering a frame at its top passes behind
        // the header, not through its letters
        for (Unit x : units.units.values()) {
            if (x.frame) {
                // a frame too narrow for its name and type keeps its name, whole if it fits: the type is on its tooltip
                String full = x.name + " \u00b7 " + x.line2;
                String text = HEADER.width(full) <= x.w - 12 ? full : Caption.fit(x.name, HEADER, x.w - 12);
                c.beginGroup(x.tooltip, "block-header");
                c.rect(x.x + 3, x.y + 2, Math.min(x.w - 6, HEADER.width(text) + 6), 15, frameColour(x), 0, 0);
                c.text(x.x + 6, x.y + 13, text, HEADER);
                c.endGroup();
            }
        }
        for (Unit x : units.units.values()) {
            if (x.frame) {
                continue;
            }
            c.beginGroup(x.tooltip, "node", data(x));
            c.rect(x.x, x.y, x.w, x.h, x.fill, x.outline != 0 ? x.outline : 0xFF4A4A4A, x.outline != 0 ? 3 : 1);
            double cx = x.x + x.w / 2, room = x.w - 8;
            int ink = x.lightText ? 0xFFFFFFFF : 0xFF000000, soft = x.lightText ? 0xFFE8E8E8 : 0xFF444444;
            c.text(cx, x.y + 14, Caption.fit(x.name, NAME, room), NAME.color(ink).anchor(Anchor.MIDDLE));
            c.text(cx, x.y + 26, Caption.fit(x.line2, LINE, room), LINE.color(soft).anchor(Anchor.MIDDLE));
            if (x.line3 != null) {
                c.text(cx, x.y + 38, Caption.fit(x.line3, LINE, room), LINE.color(ink).anchor(Anchor.MIDDLE));
            }
            if (x.line4 != null) {
                c.text(cx, x.y + 50, Caption.fit(x.line4, LINE, room), LINE.color(soft).anchor(Anchor.MIDDLE));
            }
            c.endGroup();
        }
        double y = legendY;
        if (legend.scale() != null) {
            ColorBar.draw(c, legendX, y, Legend.BAR_H, legend.map(), legend.scale(), legend.label(), false);
            y += Legend.BAR_H + 20;
        }
        for (ArchitectureDiagram.KeyEntry e : legend.key()) {
            c.beginGroup("key: " + e.label(), "key");
            c.rect(legendX + 1.5, y + 1.5, Legend.SWATCH - 3, Legend.SWATCH - 3, e.fill(), e.outline(), 3);
            c.text(legendX + Legend.SWATCH + 6, y + 11, e.label(), KEY);
            c.endGroup();
            y += Legend.ROW_H;
        }
        if (!legend.dimensions().isEmpty()) {
            c.beginGroup("free dimensions shown short", "key");
            c.text(legendX, y + 11, "Dimensions", KEY.asBold());
            for (String d : legend.dimensions()) {
                y += Legend.ROW_H;
                c.text(legendX, y + 11, d, KEY);
            }
            c.endGroup();
        }
    }

    private static final int FRAME_TINT = 0x0A3060A0;
    private static final TextStyle HEADER = TextStyle.of(10).color(0xFF46607A).asBold();

    /** The opaque colour a frame's inside has on the white page: its tint over those of the frames around it. */
    private int frameColour(Unit x) {
        double a = (FRAME_TINT >>> 24) / 255.0, r = 255, g = 255, b = 255;
        int depth = 0;
        for (Unit u = x; u != null && depth++ < 64; u = u.parent == null ? null : units.units.get(u.parent)) {
            r = r * (1 - a) + ((FRAME_TINT >> 16) & 0xFF) * a;
            g = g * (1 - a) + ((FRAME_TINT >> 8) & 0xFF) * a;
            b = b * (1 - a) + (FRAME_TINT & 0xFF) * a;
        }
        return 0xFF000000 | (int) Math.round(r) << 16 | (int) Math.round(g) << 8 | (int) Math.round(b);
    }

    /** Most layers of a collapsed block listed on its box for the viewer ({@code data-layers}); a bigger block lists none. */
    static final int MAX_LISTED = 64;

    /**
     * What the report's viewer reads off a box: the layer it is ({@code data-layer}) or the group
     * ({@code data-group}), and for a collapsed block its id as a reader knows it ({@code data-name}),
     * the identical blocks it stands for when folded ({@code data-run}) and its layers (the first
     * block's), one id a line ({@code data-layers}): the viewer lists them when no deeper view opens
     * the block (its deepest view of a model too big to draw every layer).
     */
    private static Map<String, String> data(Unit x) {
        String kind = x.id.substring(0, 2), id = x.id.substring(2);
        if (kind.equals("l:")) {
            return Map.of("layer", id);
        }
        Map<String, String> d = new HashMap<>(Map.of("group", id));
        if (x.path != null) {
            d.put("name", x.path);
            if (x.run > 1) {
                d.put("run", Integer.toString(x.run));
            }
            if (!x.members.isEmpty() && x.members.size() <= MAX_LISTED) {
                d.put("layers", String.join("\n", x.members));
            }
        }
        return d;
    }

    private static void arrow(Canvas c, double x0, double y0, double x1, double y1) {
        double dx = x1 - x0, dy = y1 - y0, len = Math.hypot(dx, dy);
        if (len == 0) {
            return;
        }
        double ux = dx / len, uy = dy / len, s = 6;
        c.path(new double[] {x1, x1 - ux * s - uy * s * 0.5, x1 - ux * s + uy * s * 0.5},
                new double[] {y1, y1 - uy * s + ux * s * 0.5, y1 - uy * s - ux * s * 0.5}, 3, 0xFF555555, 0, 0, true, false);
    }
}
