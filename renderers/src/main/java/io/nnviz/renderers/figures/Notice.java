package io.nnviz.renderers.figures;

import io.nnviz.renderers.Figure;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.TextStyle;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A figure that stands where another could not be drawn: its title and, in a framed box, why. A
 * report with one bad series shows this in that series' place and keeps every other figure.
 *
 * <pre>{@code
 * Figure f = Notice.of("Loss", "the series has no points").build();
 * }</pre>
 */
public final class Notice {
    private static final int MAX_LINES = 8;
    private static final double WIDTH = 560, LINE_H = 15;

    private final String title, message;

    private Notice(String title, String message) {
        this.title = Objects.requireNonNull(title, "title");
        this.message = message;
    }

    /** A notice titled {@code title} that says {@code message} (wrapped, at most 8 lines; null says no reason was given). */
    public static Notice of(String title, String message) {
        return new Notice(title, message);
    }

    /** The figure. */
    public Figure build() {
        Caption lines = message(Objects.requireNonNullElse(message, "no reason given"));
        Caption head = Caption.title(title, WIDTH - 24);
        double dy = head.extra(), height = 64 + lines.height() + dy;
        return new SizedFigure(WIDTH, height, title) {
            @Override
            public void draw(Canvas c) {
                head.drawTitle(c, 12);
                c.beginGroup("notice", "notice");
                c.rect(12, 32 + dy, WIDTH - 24, height - 44 - dy, 0xFFFFF4F4, 0xFFB03030, 1);
                lines.draw(c, 22, 52 + dy);
                c.endGroup();
            }
        };
    }

    /** The message wrapped to the box, at most {@link #MAX_LINES} lines (the last ends in an ellipsis when more were cut). */
    private static Caption message(String text) {
        TextStyle style = TextStyle.of(11).color(0xFF8A1C1C);
        double width = WIDTH - 44;
        Caption all = Caption.of(text.isBlank() ? "no reason given" : text, width, style, LINE_H);
        if (all.lines().size() <= MAX_LINES) {
            return all;
        }
        List<String> cut = new ArrayList<>(all.lines().subList(0, MAX_LINES));
        String last = cut.get(MAX_LINES - 1) + " \u2026";
        while (style.width(last) > width && last.length() > 2) {
            last = last.substring(0, last.length() - 3) + " \u2026";
        }
        cut.set(MAX_LINES - 1, last);
        return new Caption(List.copyOf(cut), style, LINE_H);
    }
}
