package io.nnviz.renderers.figures;

import io.nnviz.renderers.Figure;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.canvas.Xml;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A figure that stands where another could not be drawn: its title and, in a framed box, why. A
 * report with one bad series shows this in that series' place and keeps every other figure.
 *
 * <pre>{@code
 * Figure f = Notice.of("Loss", "the series has no points");
 * }</pre>
 */
public final class Notice {
    private static final int WRAP = 88;

    private Notice() {
    }

    /** A notice titled {@code title} that says {@code message} (wrapped, at most 8 lines). */
    public static Figure of(String title, String message) {
        Objects.requireNonNull(title, "title");
        List<String> lines = wrap(Objects.requireNonNullElse(message, "no reason given"), WRAP, 8);
        double width = 560, height = 64 + 15 * lines.size();
        return new SizedFigure(width, height, title) {
            @Override
            public void draw(Canvas c) {
                c.text(12, 20, Xml.abbreviate(title, 80), TextStyle.of(14).asBold());
                c.beginGroup("notice", "notice");
                c.rect(12, 32, width - 24, height - 44, 0xFFFFF4F4, 0xFFB03030, 1);
                for (int i = 0; i < lines.size(); i++) {
                    c.text(22, 52 + 15 * i, lines.get(i), TextStyle.of(11).color(0xFF8A1C1C));
                }
                c.endGroup();
            }
        };
    }

    /** Words wrapped into lines of at most {@code width} characters; long words are cut. */
    static List<String> wrap(String text, int width, int maxLines) {
        List<String> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.strip().split("\\s+")) {
            while (word.length() > width) {
                if (line.length() > 0) {
                    out.add(line.toString());
                    line.setLength(0);
                }
                out.add(word.substring(0, width));
                word = word.substring(width);
            }
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                out.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            out.add(line.toString());
        }
        if (out.size() > maxLines) {
            List<String> cut = new ArrayList<>(out.subList(0, maxLines));
            cut.set(maxLines - 1, Xml.abbreviate(cut.get(maxLines - 1) + " ...", width));
            return cut;
        }
        return out.isEmpty() ? List.of("") : out;
    }
}
