package io.nnviz.renderers.figures;

import io.nnviz.api.Tensor;
import io.nnviz.api.attention.Attention;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.canvas.Anchor;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.canvas.Xml;
import io.nnviz.renderers.color.Colormaps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The three views of a transformer's attention that bertviz made familiar, drawn for any sequence
 * length: the head view (a layer's heads as lines from each query token on the left to the keys
 * it attends to on the right, one colour per head, opacity by weight), the model view (every
 * layer and head as a small matrix), and one head as a labelled heatmap.
 *
 * <pre>{@code
 * Attention a = AttentionMaps.of(model, inputs, tokens);
 * Figures.writeSvg(AttentionFigures.headView(a, 0), Path.of("out/attention-layer0.svg"));
 * Figures.writeSvg(AttentionFigures.modelView(a), Path.of("out/attention-model.svg"));
 * Figures.writeSvg(AttentionFigures.head(a, 5, 3), Path.of("out/attention-5-3.svg"));
 * }</pre>
 */
public final class AttentionFigures {
    /** Lines per query and head at most in the head view: the strongest ones (bounds a 512-token view's size). */
    static final int LINES_PER_QUERY = 6;
    /** Weights below this are not drawn in the head view. */
    static final double MIN_WEIGHT = 0.02;
    private static final double ROW = 14, TOKEN_W = 110, GAP = 200;
    /** Twelve distinct colours, one per head of a BERT-base layer (Tableau's ten and two more). */
    static final int[] HEADS = {0xFF1F77B4, 0xFFFF7F0E, 0xFF2CA02C, 0xFFD62728, 0xFF9467BD, 0xFF8C564B, 0xFFE377C2, 0xFF7F7F7F,
            0xFFBCBD22, 0xFF17BECF, 0xFF393B79, 0xFFAD494A};

    private AttentionFigures() {
    }

    /** The head view of one layer: all its heads, one colour each. */
    public static Figure headView(Attention a, int layer) {
        Objects.requireNonNull(a, "attention");
        int t = a.length(), heads = a.heads();
        a.head(layer, 0); // checks the layer
        String title = "Attention of " + a.layerIds().get(layer) + " (layer " + layer + ", " + heads + " heads)";
        double width = Caption.titleWidth(title, 12 + TOKEN_W + GAP + TOKEN_W + 70, 12);
        Caption head = Caption.title(title, width - 24);
        double top = 56 + head.extra(), height = top + t * ROW + 16;
        return new SizedFigure(width, height, title) {
            @Override
            public void draw(Canvas c) {
                head.drawTitle(c, 12);
                c.text(12 + TOKEN_W - 4, top - 12, "query", TextStyle.of(10).color(0xFF666666).anchor(Anchor.END));
                c.text(12 + TOKEN_W + GAP + 4, top - 12, "key", TextStyle.of(10).color(0xFF666666));
                double xl = 12 + TOKEN_W, xr = xl + GAP;
                for (int h = 0; h < heads; h++) {
                    int color = HEADS[h % HEADS.length] & 0x00FFFFFF;
                    Tensor w = a.head(layer, h);
                    c.beginGroup("head " + h, "head");
                    for (int q = 0; q < t; q++) {
                        for (int k : strongest(w, q, t)) {
                            double v = w.get(q, k);
                            int alpha = (int) Math.round(Math.min(1, v) * 200) + 20;
                            c.line(xl + 2, top + (q + 0.5) * ROW, xr - 2, top + (k + 0.5) * ROW, alpha << 24 | color, 0.6 + 2.4 * v);
                        }
                    }
                    c.endGroup();
                }
                TextStyle ts = TextStyle.of(10);
                for (int i = 0; i < t; i++) {
                    String tok = Xml.abbreviate(a.tokens().get(i), 18);
                    c.text(xl - 6, top + (i + 0.5) * ROW + 3, tok, ts.anchor(Anchor.END));
                    c.text(xr + 6, top + (i + 0.5) * ROW + 3, tok, ts);
                }
                double lx = xr + TOKEN_W + 12;
                for (int h = 0; h < heads; h++) {
                    int color = HEADS[h % HEADS.length];
                    c.rect(lx, top + h * 14, 10, 10, color, 0, 0);
                    c.text(lx + 14, top + h * 14 + 9, "head " + h, TextStyle.of(10));
                }
            }
        };
    }

    /** The keys query {@code q} attends to most (at most {@link #LINES_PER_QUERY}, each at least {@link #MIN_WEIGHT}). */
    static int[] strongest(Tensor w, int q, int t) {
        Integer[] order = new Integer[t];
        for (int k = 0; k < t; k++) {
            order[k] = k;
        }
        Arrays.sort(order, (x, y) -> Float.compare(w.get(q, y), w.get(q, x)));
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < Math.min(LINES_PER_QUERY, t) && w.get(q, order[i]) >= MIN_WEIGHT; i++) {
            keep.add(order[i]);
        }
        return keep.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The model view: a matrix per layer (rows) and head (columns), on one scale from 0 to the largest weight. */
    public static Figure modelView(Attention a) {
        Objects.requireNonNull(a, "attention");
        int t = a.length();
        List<Tile> tiles = new ArrayList<>();
        for (int l = 0; l < a.layers(); l++) {
            for (int h = 0; h < a.heads(); h++) {
                tiles.add(Tile.values("L" + l + " H" + h, t, t, a.head(l, h).toArray()));
            }
        }
        double cell = Math.max(36, Math.min(90, 1100.0 / a.heads()));
        return new TileGrid("Attention, " + a.layers() + " layers x " + a.heads() + " heads, " + t + " tokens", tiles, a.heads(),
                cell / t, Colormaps.VIRIDIS, Normalization.GLOBAL, "attention");
    }

    /** One head as a heatmap, queries as rows and keys as columns, labelled by token. */
    public static Figure head(Attention a, int layer, int head) {
        return Heatmap.of(a.head(layer, head)).rowLabels(a.tokens()).columnLabels(a.tokens()).axes("query", "key")
                .colormap(Colormaps.VIRIDIS).title("Layer " + layer + ", head " + head + " (" + a.layerIds().get(layer) + ")").build();
    }
}
