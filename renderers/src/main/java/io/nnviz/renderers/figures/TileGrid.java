package io.nnviz.renderers.figures;

import io.nnviz.api.TensorStats;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.Num;
import io.nnviz.renderers.canvas.RasterImage;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.canvas.Xml;
import io.nnviz.renderers.color.Colormap;
import io.nnviz.renderers.color.Palette;
import io.nnviz.renderers.color.ValueScale;

import java.util.Arrays;
import java.util.List;

/**
 * The shared body of filter grids and activation maps: tiles composed into one raster image
 * (one embedded PNG in SVG, however many tiles), labels as text, a colour bar, and a caption that
 * names NaN/Inf and constant data.
 */
final class TileGrid implements TileFigure {
    static final double TITLE_H = 28, LABEL_H = 13, MARGIN = 10;

    private final String title;
    private final List<Tile> tiles;
    private final int cols, tileH, tileW, pad, gapRows;
    private final double scale;
    private final Colormap map;
    private final ValueScale legendScale;
    private final Normalization norm;
    /** Per-tile normalisation only: tiles whose values are all equal, drawn grey and crossed rather than mid-scale. */
    private final boolean[] constant;
    private final String caption;
    /** What a tile is, drawn in grey above the caption's warnings (in red). */
    private final String note;
    private final boolean nonFinite;
    private final String barLabel;
    private final Caption head;
    private RasterImage raster, mosaic;

    TileGrid(String title, List<Tile> tiles, int cols, double scale, Colormap map, Normalization norm,
             String barLabel) {
        this(title, tiles, cols, scale, map, norm, barLabel, null, false);
    }

    /** A grid whose legend range is given: for ARGB tiles, which carry no values. */
    TileGrid(String title, List<Tile> tiles, int cols, double scale, Colormap map, Normalization norm,
             String barLabel, ValueScale legend, boolean legendNonFinite) {
        this(title, tiles, cols, scale, map, norm, barLabel, legend, legendNonFinite, "");
    }

    /** As above, its caption starting with {@code note}: what a tile is, where that is not evident. */
    TileGrid(String title, List<Tile> tiles, int cols, double scale, Colormap map, Normalization norm,
             String barLabel, ValueScale legend, boolean legendNonFinite, String note) {
        if (tiles.isEmpty()) {
            throw new IllegalArgumentException("no tiles");
        }
        this.title = title;
        this.tiles = tiles;
        this.cols = Math.max(1, Math.min(cols, tiles.size()));
        int th = 0, tw = 0;
        for (Tile t : tiles) {
            th = Math.max(th, t.height());
            tw = Math.max(tw, t.width());
        }
        this.tileH = th;
        this.tileW = tw;
        this.pad = 1;
        this.scale = scale;
        this.gapRows = Math.max(1, (int) Math.ceil(LABEL_H / scale));
        this.map = map;
        this.norm = norm;
        this.barLabel = barLabel;
        // global statistics over all value tiles, for the legend and the caption
        long nan = 0, inf = 0, finite = 0;
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Tile t : tiles) {
            if (t.values() == null) {
                continue;
            }
            TensorStats s = TensorStats.of(t.values());
            nan += s.nanCount();
            inf += s.infCount();
            finite += s.finite();
            if (s.finite() > 0) {
                lo = Math.min(lo, s.min());
                hi = Math.max(hi, s.max());
            }
        }
        this.legendScale = legend != null ? legend
                : finite == 0 ? new ValueScale(0, 0) : ValueScale.of(lo, hi, map.diverging());
        this.nonFinite = nan + inf > 0 || legendNonFinite;
        this.note = note;
        StringBuilder cap = new StringBuilder();
        if (nan + inf > 0) {
            cap.append(nan).append(" NaN and ").append(inf).append(" infinite values shown in magenta. ");
        }
        if (legendNonFinite) {
            cap.append("Non-finite values shown in magenta. ");
        }
        if (finite > 0 && legendScale.isDegenerate() || legend != null && legend.isDegenerate()) {
            cap.append("All values equal ").append(Num.label(finite > 0 ? lo : legend.min())).append(" (constant). ");
        }
        if (finite == 0 && tiles.stream().anyMatch(t -> t.values() != null)) {
            cap.append("No finite values. ");
        }
        if (norm == Normalization.PER_TILE) {
            constant = new boolean[tiles.size()];
            int dead = 0;
            for (int k = 0; k < tiles.size(); k++) {
                Tile t = tiles.get(k);
                if (t.values() != null) {
                    TensorStats s = TensorStats.of(t.values());
                    constant[k] = s.finite() > 0 && s.min() == s.max();
                    dead += constant[k] ? 1 : 0;
                }
            }
            if (dead > 0 && !legendScale.isDegenerate()) {
                cap.append(dead).append(dead == 1 ? " tile is" : " tiles are").append(" constant (dead channels): grey, crossed. ");
            }
            cap.append("Each tile normalised to its own range; the bar shows the overall range.");
        } else {
            constant = new boolean[tiles.size()];
        }
        this.caption = cap.toString().trim();
        this.head = Caption.title(title, width() - 2 * MARGIN);
    }

    /** Where the tiles start: below the title, however many lines it wraps to. */
    private double top() {
        return TITLE_H + head.extra();
    }

    int rows() {
        return (tiles.size() + cols - 1) / cols;
    }

    /** A label that fits {@code width}: whole, else its first word (the tile's number), else abbreviated. */
    static String fit(String label, TextStyle style, double width) {
        if (style.width(label) <= width) {
            return label;
        }
        int space = label.indexOf(' ');
        if (space > 0 && style.width(label.substring(0, space)) <= width) {
            return label.substring(0, space);
        }
        return Caption.fit(label, style, width);
    }

    double cellW() {
        return (tileW + pad) * scale;
    }

    double cellH() {
        return (tileH + gapRows) * scale;
    }

    @Override
    public double width() {
        return Caption.titleWidth(title, MARGIN * 2 + cols * cellW() + ColorBar.WIDTH, MARGIN);
    }

    @Override
    public double height() {
        return top() + rows() * cellH() + MARGIN + noteLines().height() + captionLines().height() + 4;
    }

    @Override
    public String title() {
        return title;
    }

    /** The tiles composed into one image, one pixel per value, padding between tiles. */
    RasterImage raster() {
        if (raster == null) {
            raster = compose(gapRows);
        }
        return raster;
    }

    @Override
    public RasterImage mosaic() {
        if (mosaic == null) {
            mosaic = gapRows == 1 ? raster() : compose(1);
        }
        return mosaic;
    }

    private RasterImage compose(int gapRows) {
        int rows = rows();
        int w = cols * (tileW + pad) - pad, h = rows * (tileH + gapRows);
        boolean anyArgb = tiles.stream().anyMatch(t -> t.argb() != null);
        int[] palette = Palette.of(map, 0xFFFFFFFF);
        if (!anyArgb) {
            byte[] idx = new byte[w * h];
            Arrays.fill(idx, Palette.BACKGROUND);
            double gMin = legendScale.min(), gInv = legendScale.isDegenerate() ? 0 : 1 / (legendScale.max() - legendScale.min());
            for (int k = 0; k < tiles.size(); k++) {
                Tile t = tiles.get(k);
                double min = gMin, inv = gInv;
                boolean degenerate = legendScale.isDegenerate();
                if (norm == Normalization.PER_TILE) {
                    TensorStats s = TensorStats.of(t.values());
                    ValueScale vs = s.finite() == 0 ? new ValueScale(0, 0) : ValueScale.of(s.min(), s.max(), map.diverging());
                    min = vs.min();
                    degenerate = vs.isDegenerate();
                    inv = degenerate ? 0 : 1 / (vs.max() - vs.min());
                }
                int ox = (k % cols) * (tileW + pad), oy = (k / cols) * (tileH + gapRows) + gapRows;
                float[] v = t.values();
                boolean dead = constant[k] && !legendScale.isDegenerate();
                for (int y = 0; y < t.height(); y++) {
                    int row = (oy + y) * w + ox, src = y * t.width();
                    for (int x = 0; x < t.width(); x++) {
                        idx[row + x] = dead && Float.isFinite(v[src + x]) ? Palette.CONSTANT : Palette.index(v[src + x], min, inv, degenerate);
                    }
                }
            }
            return RasterImage.indexed(w, h, idx, palette);
        }
        int[] px = new int[w * h];
        Arrays.fill(px, 0xFFFFFFFF);
        for (int k = 0; k < tiles.size(); k++) {
            Tile t = tiles.get(k);
            int ox = (k % cols) * (tileW + pad), oy = (k / cols) * (tileH + gapRows) + gapRows;
            for (int y = 0; y < t.height(); y++) {
                System.arraycopy(t.argb(), y * t.width(), px, (oy + y) * w + ox, t.width());
            }
        }
        return RasterImage.argb(w, h, px);
    }

    /** Where tile {@code k}'s pixels start in the figure (x, y) in user units. */
    double[] tileOrigin(int k) {
        double x = MARGIN + (k % cols) * cellW();
        double y = top() + (k / cols) * cellH() + gapRows * scale;
        return new double[] {x, y};
    }

    @Override
    public void draw(Canvas c) {
        head.draw(c, MARGIN, 19);
        RasterImage img = raster();
        c.beginGroup(Xml.abbreviate(title, 200) + ": " + tiles.size() + " tiles", "tiles");
        c.image(MARGIN, top(), img.width() * scale, img.height() * scale, img);
        TextStyle ls = TextStyle.of(9).color(0xFF444444);
        for (int k = 0; k < tiles.size(); k++) {
            double[] o = tileOrigin(k);
            c.text(o[0], o[1] - 3, fit(tiles.get(k).label(), ls, cellW() - 2), ls);
        }
        c.endGroup();
        if (!legendScale.isDegenerate()) {
            for (int k = 0; k < tiles.size(); k++) {
                if (constant[k]) { // a dead channel: crossed, so it reads as "nothing here" in any colormap, grey ones too
                    double[] o = tileOrigin(k);
                    double tw = tiles.get(k).width() * scale, th = tiles.get(k).height() * scale;
                    c.beginGroup(tiles.get(k).label() + ": constant " + Num.label(TensorStats.of(tiles.get(k).values()).min()), "constant");
                    c.line(o[0], o[1], o[0] + tw, o[1] + th, 0xFF707070, 1);
                    c.line(o[0] + tw, o[1], o[0], o[1] + th, 0xFF707070, 1);
                    c.endGroup();
                }
            }
        }
        double barX = MARGIN + cols * cellW() + 14;
        double barH = Math.max(60, Math.min(220, rows() * cellH() - LABEL_H));
        ColorBar.draw(c, barX, top() + LABEL_H, barH, map, legendScale, barLabel, nonFinite);
        Caption lines = captionLines(), notes = noteLines();
        notes.draw(c, MARGIN, height() - 8 - lines.height() - notes.height() + Caption.LINE_H);
        lines.draw(c, MARGIN, height() - 8 - lines.height() + Caption.LINE_H);
    }

    /** The note wrapped to the figure's width, in the grey of explanatory text. */
    private Caption noteLines() {
        return Caption.of(note, width() - 2 * MARGIN, 0xFF555555);
    }

    /** The caption wrapped to the figure's width. */
    private Caption captionLines() {
        return Caption.of(caption, width() - 2 * MARGIN, 0xFF8A1C1C);
    }

    /** The legend's value range. */
    ValueScale legendScale() {
        return legendScale;
    }

    /** The caption under the grid (NaN/Inf, constant data, normalisation); empty if none. */
    String caption() {
        return caption;
    }
}
