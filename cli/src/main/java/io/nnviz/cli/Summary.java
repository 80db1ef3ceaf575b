package io.nnviz.cli;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.spi.ModelFormat;
import io.nnviz.api.spi.Printable;
import io.nnviz.renderers.LayerNames;
import io.nnviz.renderers.canvas.Num;

import java.io.PrintStream;
import java.util.Formatter;
import java.util.List;
import java.util.Locale;

/** The summary table: layer, kind, output shape, parameters; and the totals (by dtype where the model counts them so). */
final class Summary {
    private Summary() {
    }

    /** Rows listed at most: the first {@link #HEAD_ROWS} and the last ones. */
    static final int MAX_ROWS = 500, HEAD_ROWS = 450;

    /** The shape column's widest: a shape that fits and its " measured"; longer ones end in "...". */
    static final int SHAPE_WIDTH = LayerNames.FIT + " measured".length();

    static void print(ModelView m, ModelFormat f, PrintStream out) {
        int name = 5, kind = 4, shape = 12;
        LayerNames names = LayerNames.of(m);
        for (LayerInfo l : m.layers()) {
            name = Math.max(name, Math.min(48, Printable.line(names.display(l)).length()));
            kind = Math.max(kind, l.kind().name().length());
            shape = Math.max(shape, Math.min(SHAPE_WIDTH, names.shape(l).length()));
        }
        // the table is formatted whole and printed at once, as printf would print it line by line (the same locale): a
        // line at a time, each flushed, was a tenth of a second for a few hundred layers in a fresh JVM
        StringBuilder table = new StringBuilder(128 * Math.min(m.layers().size() + 4, MAX_ROWS + 5));
        Formatter t = new Formatter(table, Locale.getDefault(Locale.Category.FORMAT));
        String row = "%-" + name + "s  %-" + kind + "s  %-" + shape + "s  %,14d%n";
        t.format("%s: %s, %s%n", Printable.line(m.name()), f.title(), m.framework());
        if (!names.prefix().isEmpty()) {
            t.format("Layer names shown without the prefix most of them share: %s%n", Printable.line(names.prefix()));
        }
        if (!names.dimensionKey().isEmpty()) {
            t.format("Free dimensions shown short: %s%n", Printable.line(String.join(", ", names.dimensionKey())));
        }
        t.format("%-" + name + "s  %-" + kind + "s  %-" + shape + "s  %14s%n", "Layer", "Kind", "Output shape", "Parameters");
        List<LayerInfo> layers = m.layers();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.size() > MAX_ROWS && i == HEAD_ROWS) { // 100,000 rows help nobody in a terminal; the report lists them all
                t.format("... %,d layers not listed here (index.html's model summary has every one)%n", layers.size() - MAX_ROWS);
                i = layers.size() - (MAX_ROWS - HEAD_ROWS);
            }
            LayerInfo l = layers.get(i);
            String clean = Printable.line(names.display(l)); // a hostile name must not drive the terminal
            String n = clean.length() > 48 ? clean.substring(0, 45) + "..." : clean;
            String s = Printable.line(names.shape(l));
            t.format(row, n, l.kind().name().toLowerCase(Locale.ROOT), s.length() > SHAPE_WIDTH ? s.substring(0, SHAPE_WIDTH - 3) + "..." : s,
                    l.parameterCount());
        }
        t.format("Total: %,d layers, %s%n", m.layers().size(), Num.parameters(m.parameterCountByDtype()));
        out.print(table);
        out.flush();
    }
}
