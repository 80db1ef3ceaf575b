package io.nnviz.renderers.canvas;

/** Escaping for text that goes into SVG and HTML: no string from a model is ever trusted as markup. */
public final class Xml {
    private Xml() {
    }

    /**
     * Escapes {@code & < > " '} and drops characters XML 1.0 forbids (control characters, lone
     * surrogates, U+FFFE/U+FFFF), so the result is safe in element content and attribute values.
     */
    public static String escape(String s) {
        StringBuilder sb = null;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            String rep = null;
            boolean drop = false;
            switch (c) {
                case '&' -> rep = "&amp;";
                case '<' -> rep = "&lt;";
                case '>' -> rep = "&gt;";
                case '"' -> rep = "&quot;";
                case '\'' -> rep = "&#39;";
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xFFFE || c == 0xFFFF) {
                        drop = true;
                    } else if (Character.isHighSurrogate(c)) {
                        if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                            if (sb != null) {
                                sb.append(c).append(s.charAt(i + 1));
                            }
                            i++;
                            continue;
                        }
                        drop = true;
                    } else if (Character.isLowSurrogate(c)) {
                        drop = true;
                    }
                }
            }
            if (rep == null && !drop) {
                if (sb != null) {
                    sb.append(c);
                }
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(n + 16).append(s, 0, i);
            }
            if (rep != null) {
                sb.append(rep);
            } else {
                sb.append('\uFFFD');
            }
        }
        return sb == null ? s : sb.toString();
    }

    /** Shortens {@code s} to at most {@code max} characters, ending with an ellipsis when cut. */
    public static String abbreviate(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        return s.substring(0, Math.max(0, max - 1)) + "\u2026";
    }
}
