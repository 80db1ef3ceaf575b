package io.nnviz.renderers;

import io.nnviz.api.Tensor;
import io.nnviz.api.attention.Attention;
import io.nnviz.renderers.figures.AttentionFigures;
import org.junit.jupiter.api.Test;
import org.w3c.dom.NodeList;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The attention views on synthetic attention with a known structure, up to 512 tokens. */
class AttentionFiguresTest {
    /** {@code layers x heads} heads over {@code t} tokens; head h of every layer attends from token i to token (i + h) mod t with weight 0.9. */
    static Attention shifted(int layers, int heads, int t) {
        float[] w = new float[layers * heads * t * t];
        Random r = new Random(1);
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < t; i++) {
                    int base = ((l * heads + h) * t + i) * t;
                    double rest = 0.1 / (t - 1);
                    for (int j = 0; j < t; j++) {
                        w[base + j] = (float) rest;
                    }
                    w[base + (i + h) % t] = 0.9f;
                }
            }
        }
        List<String> ids = new ArrayList<>(), tokens = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            ids.add("layer." + l + "/attention/self/Softmax");
        }
        for (int i = 0; i < t; i++) {
            tokens.add("tok" + i);
        }
        return new Attention(ids, tokens, Tensor.of(w, layers, heads, t, t));
    }

    @Test
    void theHeadViewDrawsEachHeadsStrongLinesInItsOwnColour() {
        Attention a = shifted(2, 3, 10);
        Svg svg = Svg.parse(Figures.toSvg(AttentionFigures.headView(a, 1)));
        assertTrue(svg.texts().containsAll(List.of("tok0", "tok9", "head 0", "head 2", "query", "key")), svg.texts().toString());
        List<org.w3c.dom.Element> heads = svg.groups("head");
        assertEquals(3, heads.size());
        java.util.Set<String> colours = new java.util.HashSet<>();
        for (org.w3c.dom.Element g : heads) {
            NodeList lines = g.getElementsByTagNameNS("*", "line");
            // the 0.9 weight per query, none of the 0.011 ones (under the 0.02 floor)
            assertEquals(10, lines.getLength(), "one line per query in a head");
            colours.add(((org.w3c.dom.Element) lines.item(0)).getAttribute("stroke"));
        }
        assertEquals(3, colours.size(), "a colour per head: " + colours);
    }

    @Test
    void aModelViewAndTheHeadViewOf512TokensRender() {
        Attention a = shifted(2, 4, 512);
        Figure model = AttentionFigures.modelView(a);
        Svg svg = Svg.parse(Figures.toSvg(model));
        assertTrue(svg.texts().containsAll(List.of("L0 H0", "L1 H3")), svg.texts().toString());
        Figure head = AttentionFigures.headView(a, 0);
        String text = Figures.toSvg(head);
        assertTrue(text.length() < 20_000_000, "a bounded SVG: " + text.length());
        java.awt.image.BufferedImage png = Figures.toImage(head, 1);
        assertTrue(png.getHeight() > 512 * 14, "every token has a row: " + png.getHeight());
        Svg one = Svg.parse(Figures.toSvg(AttentionFigures.head(a, 1, 2)));
        assertTrue(one.texts().contains("query") && one.texts().contains("key"), one.texts().toString());
    }
}
