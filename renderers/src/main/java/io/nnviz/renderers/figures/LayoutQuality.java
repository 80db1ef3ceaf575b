package io.nnviz.renderers.figures;

import io.nnviz.renderers.Figure;
import io.nnviz.renderers.figures.ArchitectureUnits.Unit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How readable a laid-out architecture diagram is, measured on what it draws: the layout-quality
 * harness prints these over a folder of models, and the tests hold every corpus model to
 * thresholds.
 *
 * @param boxes           boxes drawn (layers and collapsed blocks; frames not counted)
 * @param frames          group frames drawn
 * @param edges           edges drawn
 * @param downwardShare   the share of edges whose end is below their start (data flowing down the page)
 * @param crossingsPerEdge crossings of a horizontal and a vertical edge segment, inside both, per edge
 * @param groupPurity     the share of boxes not drawn inside the frame of a group they are not in
 * @param aspect          width over height of the figure
 * @param cutLabels       box names shortened with an ellipsis to fit their box
 * @param titleOverflow   true if a line of the title is wider than the figure
 */
public record LayoutQuality(int boxes, int frames, int edges, double downwardShare, double crossingsPerEdge, double groupPurity,
                            double aspect, int cutLabels, boolean titleOverflow) {

    /** The quality of a diagram {@link ArchitectureDiagram#build()} made. */
    public static LayoutQuality of(Figure f) {
        if (!(f instanceof ArchitectureFigure a)) {
            throw new IllegalArgumentException("not an architecture diagram: " + f.getClass().getSimpleName());
        }
        return a.quality();
    }

    /** Measures boxes, frames and edge polylines as placed. */
    static LayoutQuality measure(ArchitectureUnits.Units units, List<double[][]> polylines, double width, double height, double titleWidth) {
        Map<String, Unit> byId = units.units;
        List<Unit> boxes = new ArrayList<>(), frames = new ArrayList<>();
        for (Unit u : byId.values()) {
            (u.frame ? frames : boxes).add(u);
        }
        int impure = 0, cut = 0;
        for (Unit b : boxes) {
            double cx = b.x + b.w / 2, cy = b.y + b.h / 2;
            for (Unit f : frames) {
                if (cx > f.x && cx < f.x + f.w && cy > f.y && cy < f.y + f.h && !inside(b, f.id, byId)) {
                    impure++;
                    break;
                }
            }
            if (!Caption.fit(b.name, ArchitectureDiagram.NAME, b.w - 8).equals(b.name)) {
                cut++;
            }
        }
        int down = 0;
        List<double[]> horizontal = new ArrayList<>(), vertical = new ArrayList<>();
        Map<Integer, Integer> owner = new HashMap<>();
        for (int k = 0; k < polylines.size(); k++) {
            double[] xs = polylines.get(k)[0], ys = polylines.get(k)[1];
            if (ys[ys.length - 1] > ys[0]) {
                down++;
            }
            for (int i = 1; i < xs.length; i++) {
                if (ys[i] == ys[i - 1] && xs[i] != xs[i - 1]) {
                    horizontal.add(new double[] {Math.min(xs[i], xs[i - 1]), Math.max(xs[i], xs[i - 1]), ys[i], k});
                } else if (xs[i] == xs[i - 1] && ys[i] != ys[i - 1]) {
                    vertical.add(new double[] {Math.min(ys[i], ys[i - 1]), Math.max(ys[i], ys[i - 1]), xs[i], k});
                }
            }
        }
        long crossings = 0;
        for (double[] h : horizontal) {
            for (double[] v : vertical) {
                // strictly inside both: segments of one edge, or of edges fanning out of one port, meet at their ends
                if (h[3] != v[3] && v[2] > h[0] + 0.5 && v[2] < h[1] - 0.5 && h[2] > v[0] + 0.5 && h[2] < v[1] - 0.5) {
                    crossings++;
                }
            }
        }
        int n = polylines.size();
        return new LayoutQuality(boxes.size(), frames.size(), n, n == 0 ? 1 : (double) down / n, n == 0 ? 0 : (double) crossings / n,
                boxes.isEmpty() ? 1 : 1 - (double) impure / boxes.size(), height == 0 ? 0 : width / height, cut, titleWidth > width + 0.5);
    }

    /** True if frame {@code frameId} encloses {@code b} in the diagram's nesting. */
    private static boolean inside(Unit b, String frameId, Map<String, Unit> byId) {
        int guard = 0;
        for (String p = b.parent; p != null && guard++ < 10_000; p = byId.containsKey(p) ? byId.get(p).parent : null) {
            if (p.equals(frameId)) {
                return true;
            }
        }
        return false;
    }

    /** One row of the harness's table. */
    public String row(String model) {
        return String.format(Locale.ROOT, "%-40s %6d %6d %6d %7.1f%% %8.2f %7.1f%% %7.2f %5d %s", model.length() > 40
                ? model.substring(0, 37) + "..." : model, boxes, frames, edges, 100 * downwardShare, crossingsPerEdge, 100 * groupPurity,
                aspect, cutLabels, titleOverflow ? "clipped" : "ok");
    }

    /** The header of {@link #row}'s table. */
    public static String header() {
        return String.format(Locale.ROOT, "%-40s %6s %6s %6s %8s %8s %8s %7s %5s %s", "model", "boxes", "frames", "edges", "down",
                "cross/e", "purity", "w/h", "cut", "title");
    }
}
