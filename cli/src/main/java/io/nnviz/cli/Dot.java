package io.nnviz.cli;

import io.nnviz.api.Edge;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;

import java.util.Locale;

/** The model's graph as Graphviz DOT, for users who lay it out with their own tools. */
final class Dot {
    private Dot() {
    }

    static String of(ModelView m) {
        StringBuilder b = new StringBuilder(64 * m.layers().size() + 64);
        b.append("digraph \"").append(quote(m.name())).append("\" {\n  rankdir=TB;\n  node [shape=box, fontname=\"DejaVu Sans\"];\n");
        for (LayerInfo l : m.layers()) {
            b.append("  \"").append(quote(l.id())).append("\" [label=\"").append(quote(l.name())).append("\\n")
                    .append(l.kind().name().toLowerCase(Locale.ROOT)).append("\"];\n");
        }
        for (Edge e : m.edges()) {
            b.append("  \"").append(quote(e.from())).append("\" -> \"").append(quote(e.to())).append("\";\n");
        }
        return b.append("}\n").toString();
    }

    /**
     * A DOT string's content: quotes and backslashes escaped; controls, format characters and
     * Unicode non-characters (U+FFFE, which breaks Graphviz's UTF-8 reader) replaced by a space;
     * unpaired surrogates by U+FFFD.
     */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                b.append((cp & 0xFFFE) == 0xFFFE ? " " : new String(Character.toChars(cp)));
            } else if (Character.isSurrogate(c)) {
                b.append('\uFFFD');
            } else if (c == '\\' || c == '"') {
                b.append('\\').append(c);
            } else if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT || c == 0xFFFE || c == 0xFFFF
                    || c >= 0xFDD0 && c <= 0xFDEF || c == 0x2028 || c == 0x2029) {
                b.append(' ');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
