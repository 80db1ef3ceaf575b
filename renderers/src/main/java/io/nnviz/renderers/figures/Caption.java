package io.nnviz.renderers.figures;

import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.canvas.Xml;

import java.util.ArrayList;
import java.util.List;

/**
 * A figure's caption wrapped at word boundaries to the width it has, so a narrow figure grows
 * taller instead of clipping its sentence ("...the bar shows the overall rang"). A word longer
 * than the width on its own is abbreviated.
 */
record Caption(List<String> lines, TextStyle style) {
    /** Line height in user units. */
    static final double LINE_H = 13;

    /** {@code text} wrapped to {@code width} in 10-pt text of colour {@code argb}; no lines for an empty text. */
    static Caption of(String text, double width, int argb) {
        TextStyle style = TextStyle.of(10).color(argb);
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.trim().split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            String tried = line.length() == 0 ? word : line + " " + word;
            if (style.width(tried) <= width || line.length() == 0) {
                line.setLength(0);
                line.append(style.width(tried) <= width ? tried : Xml.abbreviate(word, Math.max(4, (int) (word.length() * width / style.width(word)))));
            } else {
                lines.add(line.toString());
                line.setLength(0);
                line.append(style.width(word) <= width ? word : Xml.abbreviate(word, Math.max(4, (int) (word.length() * width / style.width(word)))));
            }
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return new Caption(List.copyOf(lines), style);
    }

    /** The height the lines take (0 for none). */
    double height() {
        return lines.size() * LINE_H;
    }

    /** Draws the lines, the first baseline at {@code y}. */
    void draw(Canvas c, double x, double y) {
        for (int i = 0; i < lines.size(); i++) {
            c.text(x, y + i * LINE_H, lines.get(i), style);
        }
    }
}
