package io.nnviz.renderers.report;

import io.nnviz.api.ModelView;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.figures.ArchitectureDiagram;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The report's interactive part, kept in the page so it works from {@code file://} and sends no
 * request: the viewer script ({@code viewer.js}, inline, allowed by the page's CSP through its
 * SHA-256 and nothing else), the architecture drawn at each depth of the model's hierarchy (the
 * viewer switches between them, a click on a collapsed block opening the next depth at it), and
 * the panel where a clicked layer's details and figures appear.
 */
final class ReportViewer {
    /**
     * Past this many layers, no view of more boxes and frames than this is drawn: not the view of
     * every layer, nor a depth that draws nearly every layer on its own. Such a view's layout grows
     * with its boxes: a 1,763-layer graph's view of every layer, 2,324 boxes and frames, was 0.4 s
     * of a 2.5 s first inspect, and its deepest depth, 1,802, another 0.25 s, each a drawing over
     * 100,000 units tall that no PNG can hold. The deepest view drawn is then the last, and a click
     * on one of its blocks lists the block's layers, each opening its details (Model Explorer, too,
     * shows a large graph's blocks collapsed until one is opened). The first depth is always drawn.
     */
    static final int MAX_EXPANDED = 1_000;
    private static final String SCRIPT = load();

    private ReportViewer() {
    }

    private static String load() {
        try (InputStream in = ReportViewer.class.getResourceAsStream("viewer.js")) {
            if (in == null) {
                throw new IllegalStateException("viewer.js is missing from nnviz-renderers");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The viewer script, as the page embeds it. */
    static String script() {
        return SCRIPT;
    }

    /** The page's Content-Security-Policy: nothing may load; this script, inline styles and data: images may run and show. */
    static String csp() {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(SCRIPT.getBytes(StandardCharsets.UTF_8));
            return "default-src 'none'; img-src data: 'self'; style-src 'unsafe-inline'; script-src 'sha256-"
                    + Base64.getEncoder().encodeToString(h) + "'";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * One view of the architecture: its depth (0 for every layer), and its figure, laid out when
     * asked for (the views are laid out in parallel), or empty for a view not drawn.
     */
    record View(int depth, Supplier<Optional<Figure>> figure) {
    }

    /**
     * The views: each depth of the hierarchy (if any), then every layer; past {@link #MAX_EXPANDED}
     * layers, none of more than as many boxes (its figure is empty, found when its units are counted).
     */
    static List<View> views(ModelView m) {
        int depth = maxDepth(m);
        boolean large = m.layers().size() > MAX_EXPANDED;
        List<View> out = new ArrayList<>();
        for (int d = 1; d <= depth; d++) {
            int at = d;
            out.add(new View(d, () -> ArchitectureDiagram.of(m).depth(at).buildWithin(large && at > 1 ? MAX_EXPANDED : Integer.MAX_VALUE)));
        }
        if (out.isEmpty() || !large) {
            int threshold = out.isEmpty() ? 120 : Integer.MAX_VALUE;
            out.add(new View(0, () -> Optional.of(ArchitectureDiagram.of(m).autoCollapse(threshold).build())));
        }
        return out;
    }

    /** A view's label, as the toolbar shows it and its file is named: "depth 2 of 3" ({@code depths} drawn), or "every layer". */
    static String label(int depth, int depths) {
        return depth == 0 ? "every layer" : "depth " + depth + " of " + depths;
    }

    /** The view shown first: the deepest whose boxes fit a screen (at most 120), else the first. */
    static int start(List<String> svgs) {
        int best = 0;
        for (int i = 0; i < svgs.size(); i++) {
            if (count(svgs.get(i), "class=\"node\"", 121) <= 120) {
                best = i;
            }
        }
        return best;
    }

    /** How often {@code what} occurs in {@code s}, counting up to {@code most}. */
    private static int count(String s, String what, int most) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0 && n < most; i = s.indexOf(what, i + what.length())) {
            n++;
        }
        return n;
    }

    private static int maxDepth(ModelView m) {
        return Math.min(ArchitectureDiagram.hierarchyDepth(m), 6);
    }

    /** The toolbar of a viewer. */
    static String toolbar() {
        return "<div class=\"toolbar\"><button type=\"button\" class=\"less\" title=\"collapse one level\">\u2212</button>"
                + "<span class=\"depth\"></span><button type=\"button\" class=\"more\" title=\"expand one level\">+</button>"
                + "<button type=\"button\" class=\"reset\" title=\"fit (or double-click the drawing)\">fit</button>"
                + "<span class=\"hint\">wheel: zoom \u00b7 drag: pan \u00b7 click a block: open it (in the deepest view: its layers) \u00b7 click a layer: its details</span></div>\n";
    }

    /** The details panel, filled by the script. */
    static String panel() {
        return "<aside id=\"nnviz-details\" hidden><button type=\"button\" class=\"close\" title=\"close\">\u00d7</button>"
                + "<h3 class=\"name\"></h3><ul class=\"facts\"></ul><div class=\"figures\"></div></aside>\n";
    }

    /** The viewer's styles. */
    static String css() {
        return ".nnviz-viewer .view svg{max-width:100%;height:auto;max-height:80vh;cursor:grab;border:1px solid #ddd;box-sizing:border-box}"
                // the PNG button of a view reads as the SVG link beside it
                + ".nnviz-viewer figcaption button.png{font:inherit;color:#0000ee;background:none;border:0;padding:0;"
                + "text-decoration:underline;cursor:pointer}.nnviz-viewer figcaption button.png:disabled{color:#777;cursor:wait}"
                + ".toolbar{display:flex;gap:8px;align-items:center;font-size:13px;margin:4px 0}.toolbar .hint{color:#777}"
                + "g.node{cursor:pointer}g.focus>rect{stroke:#e07800;stroke-width:3}"
                // a row of the model summary shows its layer in the architecture
                + "table.layers tr[data-layer]{cursor:pointer}table.layers tr[data-layer]:hover{background:#eef3fb}"
                + "#nnviz-details{position:fixed;top:0;right:0;width:min(560px,45vw);height:100vh;overflow:auto;background:#fff;"
                + "border-left:1px solid #bbb;box-shadow:-4px 0 12px rgba(0,0,0,.15);padding:12px 16px;z-index:10}"
                + "#nnviz-details .close{float:right;font-size:18px}#nnviz-details svg{max-width:100%;height:auto}"
                + "#nnviz-details h3.name{overflow-wrap:anywhere}"
                // a block's layers: one a line, a long name wrapped within the panel
                + "#nnviz-details ul.members{list-style:none;padding-left:0}#nnviz-details ul.members li{margin:0 0 6px}"
                + "#nnviz-details ul.members button,#nnviz-details button.back{display:block;font:inherit;color:#0000ee;background:none;border:0;padding:0;"
                + "text-align:left;text-decoration:underline;cursor:pointer;overflow-wrap:anywhere}#nnviz-details button.back{margin:0 0 8px}"
                + "#nnviz-tip{position:absolute;white-space:pre;background:#222;color:#fff;font-size:12px;padding:4px 6px;"
                + "border-radius:3px;pointer-events:none;z-index:20}"
                + "th.sortable{cursor:pointer}th[data-order=up]::after{content:' \\25B2'}"
                + "th[data-order=down]::after{content:' \\25BC'}tr.hidden-run{color:#aaa}\n";
    }
}
