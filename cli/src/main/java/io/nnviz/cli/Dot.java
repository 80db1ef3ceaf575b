package io.nnviz.cli;

import io.nnviz.api.Edge;
import io.nnviz.api.Layer;
import io.nnviz.api.Model;

/** The model's graph as Graphviz DOT, for users who lay it out with their own tools. */
final class Dot {
    private Dot() {
    }

    static String of(Model m) {
        StringBuilder b = new StringBuilder(64 * m.layers().size() + 64);
        b.append("digraph \"").append(quote(m.name())).append("\" {\n  rankdir=TB;\n  node [shape=box, fontname=\"DejaVu Sans\"];\n");
        for (Layer l : m.layers()) {
            b.append("  \"").append(quote(l.id())).append("\" [label=\"").append(quote(l.name())).append("\\n")
                    .append(l.kind().name().toLowerCase(java.util.Locale.ROOT)).append("\"];\n");
        }
        for (Edge e : m.edges()) {
            b.append("  \"").append(quote(e.from())).append("\" -> \"").append(quote(e.to())).append("\";\n");
        }
        return b.append("}\n").toString();
    }

    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replaceAll("\\p{Cntrl}", " ");
    }
}
