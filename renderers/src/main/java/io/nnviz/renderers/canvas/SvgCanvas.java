package io.nnviz.renderers.canvas;

import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes SVG text directly: no DOM, one pass, every string escaped. Pixel data goes in as an
 * embedded PNG {@code <image>}, never one element per pixel.
 *
 * <pre>{@code
 * SvgCanvas svg = new SvgCanvas(640, 480, "Filters of conv1");
 * figure.draw(svg);
 * String text = svg.finish();
 * }</pre>
 */
public final class SvgCanvas implements Canvas {
    private final StringBuilder sb;
    private int depth;
    private boolean finished;

    /** A canvas of the given size in user units; {@code title} becomes the SVG's {@code <title>}. */
    public SvgCanvas(double width, double height, String title) {
        this(width, height, title, 4096);
    }

    /** As {@link #SvgCanvas(double, double, String)} with a buffer size hint. */
    public SvgCanvas(double width, double height, String title, int capacity) {
        sb = new StringBuilder(capacity);
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"");
        Num.coord(sb, width);
        sb.append("\" height=\"");
        Num.coord(sb, height);
        sb.append("\" viewBox=\"0 0 ");
        Num.coord(sb, width);
        sb.append(' ');
        Num.coord(sb, height);
        sb.append("\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n");
        if (title != null) {
            sb.append("<title>").append(Xml.escape(title)).append("</title>\n");
        }
        sb.append("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    }

    private void color(String attr, int argb) {
        sb.append(' ').append(attr).append("=\"");
        if ((argb >>> 24) == 0) {
            sb.append("none\"");
            return;
        }
        sb.append('#');
        hex(argb >> 16 & 0xFF);
        hex(argb >> 8 & 0xFF);
        hex(argb & 0xFF);
        sb.append('"');
        int a = argb >>> 24;
        if (a != 0xFF) {
            sb.append(' ').append(attr).append("-opacity=\"");
            Num.coord(sb, a / 255.0);
            sb.append('"');
        }
    }

    private void hex(int v) {
        final String digits = "0123456789abcdef";
        sb.append(digits.charAt(v >> 4)).append(digits.charAt(v & 15));
    }

    private void num(String attr, double v) {
        sb.append(' ').append(attr).append("=\"");
        Num.coord(sb, v);
        sb.append('"');
    }

    @Override
    public void rect(double x, double y, double w, double h, int fill, int stroke, double strokeWidth) {
        sb.append("<rect");
        num("x", x);
        num("y", y);
        num("width", w);
        num("height", h);
        color("fill", fill);
        if ((stroke >>> 24) != 0) {
            color("stroke", stroke);
            num("stroke-width", strokeWidth);
        }
        sb.append("/>\n");
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, int color, double width) {
        sb.append("<line");
        num("x1", x1);
        num("y1", y1);
        num("x2", x2);
        num("y2", y2);
        color("stroke", color);
        num("stroke-width", width);
        sb.append("/>\n");
    }

    @Override
    public void path(double[] xs, double[] ys, int n, int fill, int stroke, double strokeWidth, boolean closed,
                     boolean dashed) {
        if (n == 0) {
            return;
        }
        sb.append("<path d=\"");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? 'M' : 'L');
            Num.coord(sb, xs[i]);
            sb.append(',');
            Num.coord(sb, ys[i]);
        }
        if (closed) {
            sb.append('Z');
        }
        sb.append('"');
        color("fill", fill);
        color("stroke", stroke);
        if ((stroke >>> 24) != 0) {
            num("stroke-width", strokeWidth);
            sb.append(" stroke-linejoin=\"round\"");
        }
        if (dashed) {
            sb.append(" stroke-dasharray=\"4 3\"");
        }
        sb.append("/>\n");
    }

    @Override
    public void text(double x, double y, String text, TextStyle style) {
        sb.append("<text");
        num("x", x);
        num("y", y);
        num("font-size", style.size());
        color("fill", style.color());
        if (style.anchor() != Anchor.START) {
            sb.append(" text-anchor=\"").append(style.anchor() == Anchor.MIDDLE ? "middle" : "end").append('"');
        }
        if (style.bold()) {
            sb.append(" font-weight=\"bold\"");
        }
        if (style.rotation() != 0) {
            sb.append(" transform=\"rotate(");
            Num.coord(sb, style.rotation());
            sb.append(' ');
            Num.coord(sb, x);
            sb.append(' ');
            Num.coord(sb, y);
            sb.append(")\"");
        }
        sb.append('>').append(Xml.escape(text)).append("</text>\n");
    }

    @Override
    public void image(double x, double y, double w, double h, RasterImage image) {
        sb.append("<image");
        num("x", x);
        num("y", y);
        num("width", w);
        num("height", h);
        sb.append(" preserveAspectRatio=\"none\" image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated;image-rendering:crisp-edges\"");
        sb.append(" xlink:href=\"data:image/png;base64,");
        sb.append(Base64.getEncoder().encodeToString(image.toPng()));
        sb.append("\"/>\n");
    }

    @Override
    public void beginGroup(String title, String cssClass) {
        beginGroup(title, cssClass, Map.of());
    }

    @Override
    public void beginGroup(String title, String cssClass, Map<String, String> data) {
        depth++;
        sb.append("<g");
        if (cssClass != null) {
            sb.append(" class=\"").append(Xml.escape(cssClass)).append('"');
        }
        for (Map.Entry<String, String> e : new TreeMap<>(data).entrySet()) {
            if (!e.getKey().matches("[a-z][a-z-]{0,40}")) {
                throw new IllegalArgumentException("a data key is lower-case letters and dashes: " + e.getKey());
            }
            sb.append(" data-").append(e.getKey()).append("=\"").append(Xml.escape(e.getValue())).append('"');
        }
        sb.append('>');
        if (title != null) {
            sb.append("<title>").append(Xml.escape(title)).append("</title>");
        }
        sb.append('\n');
    }

    @Override
    public void endGroup() {
        if (depth == 0) {
            throw new IllegalStateException("endGroup() without beginGroup()");
        }
        depth--;
        sb.append("</g>\n");
    }

    /** Closes open groups and the document; returns the SVG text. Idempotent. */
    public String finish() {
        if (!finished) {
            while (depth > 0) {
                endGroup();
            }
            sb.append("</svg>\n");
            finished = true;
        }
        return sb.toString();
    }
}
