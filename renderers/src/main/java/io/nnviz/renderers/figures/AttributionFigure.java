package io.nnviz.renderers.figures;

import io.nnviz.api.Tensor;
import io.nnviz.api.TensorStats;
import io.nnviz.api.attribution.Attribution;
import io.nnviz.api.attribution.Faithfulness;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.ShiftedCanvas;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.color.ValueScale;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An attribution map over its image, with how faithful it is beside it: the input, the signed map
 * (red for evidence for the target, blue against, on one symmetric scale), the unsigned map, and
 * the deletion and insertion curves with their areas ({@link Faithfulness}). Maps of positions
 * only (class activation maps, occlusion) show one map.
 *
 * <pre>{@code
 * Attribution a = IntegratedGradients.of(model).attribute(image, cls);
 * Faithfulness f = Faithfulness.of(model);
 * Figure fig = AttributionFigure.of(image.slice(0), a).deletion(f.deletion(image, cls, a)).insertion(f.insertion(image, cls, a)).build();
 * }</pre>
 */
public final class AttributionFigure {
    private final Tensor image;
    private final Attribution attribution;
    private Faithfulness.Curve deletion, insertion;
    private String title;
    private double panel = 140;
    private double randomized = Double.NaN;
    private boolean hasRandomized;

    private AttributionFigure(Tensor image, Attribution attribution) {
        this.image = image;
        this.attribution = attribution;
    }

    /** The figure of {@code attribution} over {@code image} ({@code [C, H, W]}, the input without its batch). */
    public static AttributionFigure of(Tensor image, Attribution attribution) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(attribution, "attribution");
        Tensor p = attribution.positions();
        if (image.rank() != 3 || p.rank() != 2 || p.shape().dim(0) != image.shape().dim(1) || p.shape().dim(1) != image.shape().dim(2)) {
            throw new IllegalArgumentException("an attribution figure needs an image [C, H, W] and positions [H, W], got " + image.shape()
                    + " and " + p.shape());
        }
        return new AttributionFigure(image, attribution);
    }

    /** The deletion curve to draw beside the maps. */
    public AttributionFigure deletion(Faithfulness.Curve c) {
        this.deletion = c;
        return this;
    }

    /** The insertion curve to draw beside the maps. */
    public AttributionFigure insertion(Faithfulness.Curve c) {
        this.insertion = c;
        return this;
    }

    /**
     * The rank correlation under which a map passes the model randomisation check. Adebayo et al.
     * (2018) find methods that explain the model near 0 once every layer is randomised and methods
     * that show the input (guided backpropagation, plain gradient times input on edges) near 1;
     * 0.5 splits "the ranking mostly changed" from "the ranking mostly stayed".
     */
    public static final double RANDOMIZATION_PASSES_BELOW = 0.5;

    /**
     * The model randomisation check's verdict in words, for a figure or a table: passes or fails,
     * Spearman's rho and the threshold ({@link #RANDOMIZATION_PASSES_BELOW}); NaN is a flat map
     * from the randomised model, which passes (the map depended on the weights).
     */
    public static String randomizationVerdict(double rankCorrelation) {
        if (Double.isNaN(rankCorrelation)) {
            return "Model randomisation check: passes (with every layer's weights randomised the map is flat: it depends on the weights).";
        }
        boolean passes = rankCorrelation < RANDOMIZATION_PASSES_BELOW;
        return String.format(Locale.ROOT, "Model randomisation check: %s. \u03c1 = %.2f between this map and the map of the model with every"
                + " layer's weights randomised (passes below %.1f)%s", passes ? "passes" : "fails", rankCorrelation, RANDOMIZATION_PASSES_BELOW,
                passes ? ": the map changes with the weights." : ": the map barely changes with the weights, it shows the input more than what the model learned.");
    }

    /**
     * The model randomisation check's result to show under the maps: the rank correlation of this
     * map with the map of the model with its weights randomised ({@code ModelRandomization});
     * near 0 is what a method that explains the model gives. NaN (a flat randomised map) shows as
     * such. Shown with its verdict ({@link #randomizationVerdict}).
     */
    public AttributionFigure randomization(double rankCorrelation) {
        this.randomized = rankCorrelation;
        this.hasRandomized = true;
        return this;
    }

    /** Title (default: the method and the target). */
    public AttributionFigure title(String t) {
        this.title = Objects.requireNonNull(t, "title");
        return this;
    }

    /** On-screen size of each map panel's longer side (default 140). */
    public AttributionFigure panelSize(double px) {
        this.panel = px;
        return this;
    }

    /** Builds the figure. */
    public Figure build() {
        String t = title != null ? title : attribution.method() + " for output " + attribution.target();
        boolean chart = deletion != null || insertion != null;
        Images.Gray base = Images.gray(image);
        int h = base.height(), w = base.width();
        double scale = panel / Math.max(h, w);
        List<Figure> parts = new ArrayList<>();
        float[] signed = attribution.positions().toArray();
        float[] unsigned = attribution.absolutePositions().toArray();
        boolean hasSign = false;
        for (float v : signed) {
            hasSign |= v < 0;
        }
        if (hasSign) {
            float m = 0;
            for (float v : signed) {
                m = Float.isFinite(v) ? Math.max(m, Math.abs(v)) : m;
            }
            TensorStats sym = TensorStats.of(new float[] {-m, m});
            parts.add(new TileGrid(t, List.of(Tile.argb("input", h, w, Images.argb(base)), Tile.argb("signed", h, w,
                    Images.blend(base, signed, Colormaps.DIVERGING, 0.7, sym))), 2, scale, Colormaps.DIVERGING, Normalization.GLOBAL,
                    "attribution", m == 0 ? new ValueScale(0, 0) : ValueScale.of(-m, m, false), false));
        }
        TensorStats us = TensorStats.of(unsigned);
        List<Tile> tiles = new ArrayList<>();
        if (!hasSign) {
            tiles.add(Tile.argb("input", h, w, Images.argb(base)));
        }
        tiles.add(Tile.argb(hasSign ? "|attribution|" : "attribution", h, w, Images.blend(base, unsigned, Colormaps.HEAT, 0.6, us)));
        parts.add(new TileGrid(hasSign ? "" : t, tiles, tiles.size(), scale, Colormaps.HEAT, Normalization.GLOBAL,
                hasSign ? "|attribution|" : "attribution", us.finite() == 0 ? new ValueScale(0, 0) : ValueScale.of(us.min(), us.max(), false),
                us.hasNonFinite()));
        if (chart) {
            LineChart lines = LineChart.titled("Faithfulness (areas)")
                    .xLabel("fraction of positions")
                    .yLabel("p(target)").size(330, Math.max(220, parts.get(0).height()));
            for (Faithfulness.Curve c : new Faithfulness.Curve[] {deletion, insertion}) {
                if (c != null) {
                    lines.series(String.format(Locale.ROOT, "%s %.3f", c.kind(), c.area()), c.fractions(), c.probabilities());
                }
            }
            parts.add(lines.build());
        }
        double width = 0, height = 0;
        for (Figure f : parts) {
            width += f.width();
            height = Math.max(height, f.height());
        }
        // the check's verdict under the maps and the curves, across the figure: a number alone ("rho 0.92") says nothing to most readers
        Caption check = Caption.of(hasRandomized ? randomizationVerdict(randomized) : "", width - 20,
                TextStyle.of(11).color(randomized < RANDOMIZATION_PASSES_BELOW || Double.isNaN(randomized) ? 0xFF1E6B30 : 0xFF8A1C1C), 15);
        double fw = width, mapsH = height, fh = height + (hasRandomized ? check.height() + 6 : 0);
        return new SizedFigure(fw, fh, t) {
            @Override
            public void draw(Canvas c) {
                double x = 0;
                for (Figure f : parts) {
                    f.draw(x == 0 ? c : new ShiftedCanvas(c, x, 0));
                    x += f.width();
                }
                if (hasRandomized) {
                    c.beginGroup("model randomisation check", "sanity");
                    check.draw(c, 10, mapsH + 12);
                    c.endGroup();
                }
            }
        };
    }
}
