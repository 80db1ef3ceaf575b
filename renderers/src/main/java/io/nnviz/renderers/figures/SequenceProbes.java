package io.nnviz.renderers.figures;

import io.nnviz.api.Tensor;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.ShiftedCanvas;
import io.nnviz.renderers.color.Colormaps;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A recurrent layer's hidden states over time for each probe, each under the probe's own input
 * sequence on the same time axis: what the layer saw beside what it kept, as the DL4J UI and
 * TensorBoard do not show. Units and features are rows, time steps columns, both axes ticked.
 */
public final class SequenceProbes {
    private final Tensor hidden, inputs;
    private String title = "Hidden state over time";
    private int maxProbes = 4;

    private SequenceProbes(Tensor hidden, Tensor inputs) {
        this.hidden = Objects.requireNonNull(hidden, "hidden");
        this.inputs = inputs;
    }

    /**
     * The hidden states {@code hidden} ({@code [N, T, units]}) beside {@code inputs} ({@code [N, T, features]},
     * or null when the inputs are not sequences of the same length).
     */
    public static SequenceProbes of(Tensor hidden, Tensor inputs) {
        return new SequenceProbes(hidden, inputs);
    }

    /** The title (default "Hidden state over time"). */
    public SequenceProbes title(String title) {
        this.title = Objects.requireNonNull(title, "title");
        return this;
    }

    /** How many probes (batch rows) to draw, from the first (default 4). */
    public SequenceProbes maxProbes(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxProbes must be at least 1, got " + n);
        }
        this.maxProbes = n;
        return this;
    }

    /** The figure. */
    public Figure build() {
        if (hidden.rank() != 3) {
            throw new IllegalArgumentException("hidden states are [N, T, units], got " + hidden.shape());
        }
        boolean withInput = inputs != null && inputs.rank() == 3 && inputs.shape().dim(0) == hidden.shape().dim(0)
                && inputs.shape().dim(1) == hidden.shape().dim(1);
        int n = Math.min(maxProbes, hidden.shape().dim(0));
        // time steps across about 520 units, rows as tall as columns are wide but at most 10 (a probe stays a strip)
        double cell = Math.max(2, Math.min(10, 520.0 / hidden.shape().dim(1)));
        List<Figure> parts = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            String who = hidden.shape().dim(0) > 1 ? "probe " + (p + 1) + ": " : ""; // counted from 1, as people count
            if (withInput) {
                Tensor in = inputs.slice(p).permute(1, 0);
                parts.add(Heatmap.of(in).cellSize(cell).axes("feature", "time step").title(who + "input")
                        .colormap(in.stats().min() < 0 ? Colormaps.DIVERGING : Colormaps.VIRIDIS).build());
            }
            Tensor units = hidden.slice(p).permute(1, 0);
            parts.add(Heatmap.of(units).cellSize(cell).axes("unit", "time step").title(who + "hidden state")
                    .colormap(units.stats().min() < 0 ? Colormaps.DIVERGING : Colormaps.VIRIDIS).build());
        }
        double w = 0, h = 0;
        for (Figure f : parts) {
            w = Math.max(w, f.width());
            h += f.height();
        }
        String t = title + (hidden.shape().dim(0) > n ? " (" + n + " of " + hidden.shape().dim(0) + " probes)" : "");
        double width = Caption.titleWidth(t, w, 12);
        Caption head = Caption.title(t, width - 24);
        double top = 30 + head.extra();
        return new SizedFigure(width, top + h, t) {
            @Override
            public void draw(Canvas c) {
                head.drawTitle(c, 12);
                double y = top;
                for (Figure f : parts) {
                    f.draw(new ShiftedCanvas(c, 0, y));
                    y += f.height();
                }
            }
        };
    }
}
