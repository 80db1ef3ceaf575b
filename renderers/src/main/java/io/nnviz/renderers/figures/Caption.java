package io.nnviz.renderers.figures;

import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.TextStyle;

import java.util.ArrayList;
import java.util.List;

/**
 * Text wrapped at word boundaries to the width it has, measured with {@link TextStyle#width}: a
 * figure's caption, so a narrow figure grows taller instead of clipping its sentence ("...the bar
 * shows the overall rang"), and its title ({@link #title}), so a long title takes a second line
 * instead of losing its end. A word wider than the line on its own is broken across lines, never
 * cut short.
 */
record Caption(List<String> lines, TextStyle style, double lineHeight) {
    /** Line height of a caption in user units. */
    static final double LINE_H = 13;
    /** How every figure's title is drawn. */
    static final TextStyle TITLE = TextStyle.of(14).asBold();
    /** Line height of a title. */
    static final double TITLE_LINE_H = 18;

    /** {@code text} wrapped to {@code width} in 10-pt text of colour {@code argb}; no lines for an empty text. */
    static Caption of(String text, double width, int argb) {
        return of(text, width, TextStyle.of(10).color(argb), LINE_H);
    }

    /** A figure's title wrapped to {@code width}: 14-pt bold, drawn from baseline 20 at the figure's left margin. */
    static Caption title(String text, double width) {
        return of(text, width, TITLE, TITLE_LINE_H);
    }

    /** The width a title may widen a narrow figure to before it wraps: a title of two lines reads better than a third of a figure empty. */
    static final double TITLE_MIN_WRAP = 420;

    /**
     * The width a figure whose content is {@code content} wide takes to show {@code title} with
     * margins of {@code margin}: the content's width, the title wrapping within it; a narrow
     * content (under {@link #TITLE_MIN_WRAP}) widens for the title up to that.
     */
    static double titleWidth(String title, double content, double margin) {
        return Math.max(content, Math.min(TITLE.width(title) + 2 * margin, TITLE_MIN_WRAP));
    }

    /** {@code text} in {@code style} wrapped to {@code width}, {@code lineHeight} apart. */
    static Caption of(String text, double width, TextStyle style, double lineHeight) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.trim().split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            String tried = line.length() == 0 ? word : line + " " + word;
            if (style.width(tried) <= width) {
                line.setLength(0);
                line.append(tried);
                continue;
            }
            if (line.length() > 0) {
                lines.add(line.toString());
                line.setLength(0);
            }
            while (style.width(word) > width && word.length() > 1) { // a word wider than a line: as much as fits, then the rest
                int fits = 1, over = word.length(); // the longest prefix that fits, by bisection: names can be thousands of characters
                while (over - fits > 1) {
                    int mid = (fits + over) >>> 1;
                    if (style.width(word.substring(0, mid)) <= width) {
                        fits = mid;
                    } else {
                        over = mid;
                    }
                }
                for (int i = fits - 1; i > fits / 2; i--) { // a path or a layer name breaks after a separator where it can
                    if ("/._-:".indexOf(word.charAt(i)) >= 0) {
                        fits = i + 1;
                        break;
                    }
                }
                lines.add(word.substring(0, fits));
                word = word.substring(fits);
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return new Caption(List.copyOf(lines), style, lineHeight);
    }

    /**
     * {@code text} on one line of at most {@code width} in {@code style}: whole if it fits, else
     * its longest start that fits with an ellipsis (labels in boxes and cells, where a line is all
     * there is room for).
     */
    static String fit(String text, TextStyle style, double width) {
        if (style.width(text) <= width) {
            return text;
        }
        int fits = 0, over = text.length();
        while (over - fits > 1) {
            int mid = (fits + over) >>> 1;
            if (style.width(text.substring(0, mid) + "\u2026") <= width) {
                fits = mid;
            } else {
                over = mid;
            }
        }
        return text.substring(0, fits) + "\u2026";
    }

    /** The width of the widest line. */
    double widest() {
        double w = 0;
        for (String l : lines) {
            w = Math.max(w, style.width(l));
        }
        return w;
    }

    /** The height the lines take (0 for none). */
    double height() {
        return lines.size() * lineHeight;
    }

    /** The height the lines take beyond the first: how far a title of several lines pushes the figure down. */
    double extra() {
        return Math.max(0, lines.size() - 1) * lineHeight;
    }

    /** Draws the lines, the first baseline at {@code y}. */
    void draw(Canvas c, double x, double y) {
        for (int i = 0; i < lines.size(); i++) {
            c.text(x, y + i * lineHeight, lines.get(i), style);
        }
    }

    /** Draws a title's lines at the figure's left margin {@code x}, the first baseline at 20. */
    void drawTitle(Canvas c, double x) {
        draw(c, x, 20);
    }
}
