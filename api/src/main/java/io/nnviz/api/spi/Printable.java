package io.nnviz.api.spi;

/**
 * Text from a model file (layer names, tensor names, error messages of native readers) made safe to
 * print: the one place nnviz decides how an untrusted string reaches a terminal, a log or an error
 * message. A name must not drive the terminal or hide what follows it, so control characters
 * (escape sequences), bidi and other format characters, line and paragraph separators and
 * non-characters are written as {@code \\uXXXX}. HTML and SVG are escaped by the renderers'
 * {@code Xml.escape}, not here. Null gives {@code "null"} for names and {@code ""} for lines.
 */
public final class Printable {
    /** The most characters of a name a message shows. */
    public static final int NAME_LENGTH = 120;
    /** The most characters of a folded message a line shows. */
    public static final int LINE_LENGTH = 400;

    private Printable() {
    }

    /** A name for a message: quoted, escaped, at most {@value #NAME_LENGTH} characters ({@code ...} when cut). */
    public static String name(String s) {
        if (s == null) {
            return "null";
        }
        boolean cut = s.length() > NAME_LENGTH - 1;
        return "'" + escaped(cut ? s.substring(0, NAME_LENGTH - 1) : s) + (cut ? "...'" : "'");
    }

    /** A line for the terminal, every code point kept and the unsafe ones escaped. */
    public static String line(String s) {
        return s == null ? "" : escaped(s);
    }

    /**
     * A message of any length and any number of lines as one line: line breaks and the blanks around
     * them become {@code "; "}, the result is cut at {@value #LINE_LENGTH} characters and escaped.
     */
    public static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String l = s.replaceAll("\\s*[\\r\\n]+\\s*", "; ");
        return escaped(l.length() > LINE_LENGTH ? l.substring(0, LINE_LENGTH) + "..." : l);
    }

    private static String escaped(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT || c == 0x2028 || c == 0x2029
                    || (c & 0xFFFE) == 0xFFFE || c >= 0xFDD0 && c <= 0xFDEF) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
