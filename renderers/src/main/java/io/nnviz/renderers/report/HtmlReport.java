package io.nnviz.renderers.report;

import io.nnviz.renderers.Drawn;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.renderers.AtomicFiles;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.LayerNames;
import io.nnviz.renderers.canvas.Num;
import io.nnviz.renderers.canvas.Xml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A self-contained HTML report: one page with a table of contents, a model summary table and
 * every figure as inline SVG, plus each figure as standalone SVG and PNG in {@code figures/} (of
 * the architecture's views, the one shown first; the page draws any other's PNG when asked). It
 * is interactive from {@code file://} with nothing leaving the page (an inline script its CSP
 * allows by hash, {@link ReportViewer}): the architecture ({@link #architecture}) pans and zooms,
 * opens block by block through the model's hierarchy, and a click on a layer shows its details
 * and every figure added for it ({@link #layerFigure}); line charts tell values on hover. Every file is written to a temporary file and
 * renamed, and {@code index.html} is written last, so a crash never leaves half a report.
 *
 * <pre>{@code
 * Path index = HtmlReport.titled("LeNet on Fashion-MNIST")
 *         .model(model)
 *         .section("Architecture").figure("architecture", ArchitectureDiagram.of(model).build())
 *         .section("Training").figure("loss", lossChart)
 *         .write(Path.of("report"));
 * }</pre>
 */
public final class HtmlReport {
    /**
     * A figure (then {@code note} is null; {@code layer} the layer it is of, or null), a paragraph
     * of text (then {@code figure} is null), or the architecture's views (then {@code model} is set).
     */
    private record Entry(String name, String slug, Figure figure, String note, String layer, ModelView model, Table table,
                         List<Alerts.Alert> alerts) {
        Entry(String name, String slug, Figure figure, String note, String layer, ModelView model) {
            this(name, slug, figure, note, layer, model, null, null);
        }
    }

    /** A table's header and rows, cells as text, and each row's colour in the charts (or none). */
    private record Table(List<String> header, List<List<String>> rows, List<Integer> colors) {
    }

    private final String title;
    private ModelView model;
    private final Map<String, List<Entry>> sections = new LinkedHashMap<>();
    private final Set<String> slugs = new HashSet<>();
    private String current, lead;
    private double pngScale = 2;
    /** What {@link #drawAhead} started, by entry (a figure's one drawing, an architecture's views). */
    private final Map<Entry, List<ReportDrawing.Drawing>> drawings = new HashMap<>();
    private ReportDrawing drawing;

    private HtmlReport(String title) {
        this.title = Objects.requireNonNull(title, "title");
    }

    /** A report with a title. */
    public static HtmlReport titled(String title) {
        return new HtmlReport(title);
    }

    /** Adds the model summary table (layer, kind, type, output shape, parameters, totals, properties). */
    public HtmlReport model(ModelView m) {
        this.model = Objects.requireNonNull(m, "model");
        return this;
    }

    /** The model given to {@link #model(Model)}, if any. */
    public Optional<ModelView> model() {
        return Optional.ofNullable(model);
    }

    /** Starts a section; figures added next belong to it. */
    public HtmlReport section(String heading) {
        current = Objects.requireNonNull(heading, "heading");
        sections.putIfAbsent(current, new ArrayList<>());
        return this;
    }

    /**
     * Starts the section shown first, above the model summary and every other section, whenever it
     * is added: what a reader must see before anything else (a run's Diagnosis). One per report;
     * given again, the same heading continues it.
     */
    public HtmlReport leadSection(String heading) {
        Objects.requireNonNull(heading, "heading");
        if (lead != null && !lead.equals(heading)) {
            throw new IllegalStateException("the report leads with section '" + lead + "' already, not '" + heading + "'");
        }
        lead = heading;
        return section(heading);
    }

    /** Adds a figure to the current section; {@code name} becomes its file name (sanitised, unique). */
    public HtmlReport figure(String name, Figure f) {
        Objects.requireNonNull(f, "figure");
        if (current == null) {
            section("Figures");
        }
        sections.get(current).add(new Entry(name, slug(name), f, null, null, null));
        return this;
    }

    /**
     * As {@link #figure}, the figure being of layer {@code layerId} (its filters, weight
     * histograms, activations, attribution): a click on that layer in the architecture shows it.
     */
    public HtmlReport layerFigure(String layerId, String name, Figure f) {
        Objects.requireNonNull(layerId, "layerId");
        Objects.requireNonNull(f, "figure");
        if (current == null) {
            section("Figures");
        }
        sections.get(current).add(new Entry(name, slug(name), f, null, layerId, null));
        return this;
    }

    /**
     * Adds a table (cells as text, escaped) to the current section. In the page its columns sort
     * by a click on their header (numbers as numbers), and each row has a box that, unticked,
     * hides every chart series named as the row's first cell: a runs table hides a run everywhere.
     */
    public HtmlReport table(String name, List<String> header, List<List<String>> rows) {
        return table(name, header, rows, List.of());
    }

    /** As {@link #table(String, List, List)}, each row with its run's colour in the charts (ARGB), shown beside its box. */
    public HtmlReport table(String name, List<String> header, List<List<String>> rows, List<Integer> colors) {
        Objects.requireNonNull(header, "header");
        for (List<String> r : rows) {
            if (r.size() != header.size()) {
                throw new IllegalArgumentException("table '" + name + "': a row of " + r.size() + " cells under " + header.size() + " columns");
            }
        }
        if (current == null) {
            section("Tables");
        }
        List<List<String>> copy = rows.stream().map(List::copyOf).toList();
        sections.get(current).add(new Entry(name, slug(name), null, null, null, null, new Table(List.copyOf(header), copy, List.copyOf(colors)), null));
        return this;
    }

    /**
     * Adds a list of alerts to the current section (a report's Diagnosis): each coloured by its
     * level, with links to the figures of this report that show it, by the names they were added
     * with (anywhere in the report, before or after).
     */
    public HtmlReport alerts(List<Alerts.Alert> alerts) {
        Objects.requireNonNull(alerts, "alerts");
        if (current == null) {
            section("Alerts");
        }
        sections.get(current).add(new Entry(null, null, null, null, null, null, null, List.copyOf(alerts)));
        return this;
    }

    /**
     * Adds the interactive architecture of {@code m} to the current section: a view at each depth
     * of its hierarchy (and every layer, for models of up to 1,000; above, no view of over 1,000
     * boxes, and a click on a block of the deepest view drawn lists its layers), the one that fits
     * a screen shown first; also the model summary if none was given. Drawn when the report is
     * written.
     */
    public HtmlReport architecture(ModelView m) {
        Objects.requireNonNull(m, "model");
        if (model == null) {
            model = m;
        }
        if (current == null) {
            section("Architecture");
        }
        sections.get(current).add(new Entry("architecture", slug("architecture"), null, null, null, m));
        return this;
    }

    /** Adds a paragraph of plain text (escaped) to the current section, for example what a run's settings were. */
    public HtmlReport note(String text) {
        Objects.requireNonNull(text, "text");
        if (current == null) {
            section("Figures");
        }
        sections.get(current).add(new Entry(null, null, null, text, null, null));
        return this;
    }

    /**
     * The file name (without extension) each figure gets under {@code figures/} when the report is
     * written, by the name it was added with, in the order added.
     */
    public Map<String, String> figureFiles() {
        Map<String, String> files = new LinkedHashMap<>();
        sections.values().forEach(es -> es.stream().filter(e -> e.figure() != null || e.model() != null)
                .forEach(e -> files.put(e.name(), e.slug())));
        return files;
    }

    /** Each figure's title, by the name it was added with. */
    private Map<String, String> figureTitles() {
        Map<String, String> titles = new HashMap<>();
        sections.values().forEach(es -> es.stream().filter(e -> e.figure() != null).forEach(e -> titles.put(e.name(), e.figure().title())));
        return titles;
    }

    /** Pixels per unit of the PNG copies (default 2). */
    public HtmlReport pngScale(double s) {
        this.pngScale = s;
        return this;
    }

    private String slug(String name) {
        String base = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (base.isEmpty()) {
            base = "figure";
        }
        if (base.length() > 60) {
            base = base.substring(0, 60);
        }
        String s = base;
        for (int i = 2; !slugs.add(s); i++) {
            s = base + "-" + i;
        }
        return s;
    }

    /**
     * Writes the report into {@code dir} (created if needed) and returns the path of {@code index.html}.
     *
     * @throws IOException naming the folder or file that could not be written
     */
    public Path write(Path dir) throws IOException {
        Path figures = dir.resolve("figures");
        Map<Entry, String> svgs = new HashMap<>();
        Map<Entry, String> viewers = new HashMap<>();
        drawAll(figures, svgs, viewers);
        StringBuilder body = new StringBuilder(1 << 16), leading = new StringBuilder();
        for (Map.Entry<String, List<Entry>> s : sections.entrySet()) {
            StringBuilder out = s.getKey().equals(lead) ? leading : body;
            out.append("<section id=\"").append(anchor(s.getKey())).append("\">\n<h2>").append(Xml.escape(s.getKey())).append("</h2>\n");
            for (Entry e : s.getValue()) {
                if (e.model() != null) {
                    out.append(viewers.get(e));
                    continue;
                }
                if (e.table() != null) {
                    table(out, e);
                    continue;
                }
                if (e.alerts() != null) {
                    out.append(Alerts.html(e.alerts(), figureFiles(), figureTitles()));
                    continue;
                }
                if (e.figure() == null) {
                    out.append("<p class=\"note\">").append(Xml.escape(e.note())).append("</p>\n");
                    continue;
                }
                String svg = svgs.get(e);
                out.append("<figure id=\"fig-").append(e.slug()).append('"');
                if (e.layer() != null) {
                    out.append(" data-layer=\"").append(Xml.escape(e.layer())).append('"');
                }
                out.append(">\n")
                        .append(svg, svg.indexOf("<svg"), svg.length())
                        .append("<figcaption>").append(Xml.escape(e.figure().title()))
                        .append(" \u2014 <a href=\"figures/").append(e.slug()).append(".svg\">SVG</a> \u00b7 <a href=\"figures/")
                        .append(e.slug()).append(".png\">PNG</a></figcaption>\n</figure>\n");
            }
            out.append("</section>\n");
        }
        StringBuilder html = new StringBuilder(body.length() + 8192);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(ReportViewer.csp()).append("\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
                .append(Xml.escape(title)).append("</title>\n<style>\n")
                .append("body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}\n")
                .append("table{border-collapse:collapse;font-size:13px;margin:8px 0 24px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}")
                .append("th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("figure{margin:16px 0 32px;overflow-x:auto}figure svg{max-width:100%;height:auto}figcaption{font-size:12px;color:#555}\n")
                .append(Tables.CSS).append(Alerts.CSS).append(".table-wrap{max-height:520px;margin:8px 0 24px}.table-wrap table{margin:0}")
                .append(".table-wrap thead th{position:sticky;top:0;z-index:1}input.table-filter{width:24em;margin:4px 0;padding:3px 6px}\n") // a runs table of 1,000 rows scrolls under its header
                .append("nav ul{columns:2;font-size:14px}\n").append(ReportViewer.css()).append("</style>\n</head>\n<body>\n<main>\n<h1>")
                .append(Xml.escape(title)).append("</h1>\n");
        html.append("<nav><h2>Contents</h2><ul>\n");
        if (lead != null && sections.containsKey(lead)) {
            html.append("<li><a href=\"#").append(anchor(lead)).append("\">").append(Xml.escape(lead)).append("</a></li>\n");
        }
        if (model != null) {
            html.append("<li><a href=\"#model-summary\">Model summary</a></li>\n");
        }
        for (String s : sections.keySet()) {
            if (!s.equals(lead)) {
                html.append("<li><a href=\"#").append(anchor(s)).append("\">").append(Xml.escape(s)).append("</a></li>\n");
            }
        }
        html.append("</ul></nav>\n").append(leading);
        if (model != null) {
            summary(html, model);
        }
        html.append(body).append("</main>\n").append(ReportViewer.panel())
                .append("<script>").append(ReportViewer.script()).append("</script>\n</body>\n</html>\n");
        Path index = dir.resolve("index.html");
        AtomicFiles.write(index, html.toString().getBytes(StandardCharsets.UTF_8));
        return index;
    }

    /**
     * Starts drawing, on other threads (as many as there are cores), what was added so far and is
     * not drawing yet: each view of the architecture (laid out, then as SVG) and each
     * figure. An application that goes on working meanwhile (the CLI reads a model's weights for its
     * filter grids) gets its report sooner; {@link #write} finishes what is left and writes it all.
     * Optional: {@link #write} draws whatever was not started. The models added must stay open until
     * then, and the PNG scale is the one set so far.
     */
    public HtmlReport drawAhead() {
        for (List<Entry> es : sections.values()) {
            for (Entry e : es) {
                start(e);
            }
        }
        return this;
    }

    /** Starts drawing an entry that has a figure or an architecture, unless it is drawing already. */
    private void start(Entry e) {
        if ((e.figure() != null || e.model() != null) && !drawings.containsKey(e)) {
            if (drawing == null) {
                drawing = new ReportDrawing();
            }
            drawings.put(e, e.model() != null ? drawing.views(e.model(), pngScale) : drawing.figure(e.figure(), pngScale));
        }
    }

    /**
     * Draws every figure as SVG and PNG, and every view of the architecture as SVG (the first shown as PNG too), into {@code figures}, on
     * all cores ({@link ReportDrawing}), and fills {@code svgs} (a figure's SVG) and {@code viewers}
     * (an architecture entry's viewer HTML).
     */
    private void drawAll(Path figures, Map<Entry, String> svgs, Map<Entry, String> viewers) throws IOException {
        try {
            // the architectures first: their layouts are the longest pieces
            sections.values().forEach(es -> es.stream().filter(e -> e.model() != null).forEach(this::start));
            drawAhead();
            for (List<Entry> es : sections.values()) {
                for (Entry e : es) {
                    List<ReportDrawing.Drawing> ds = drawings.get(e);
                    if (ds == null) {
                        continue;
                    }
                    if (e.model() != null) {
                        viewers.put(e, ReportDrawing.viewer(e.slug(), ds, figures, pngScale));
                    } else {
                        String svg = Drawn.join(ds.get(0).svg());
                        AtomicFiles.write(figures.resolve(e.slug() + ".svg"), svg.getBytes(StandardCharsets.UTF_8));
                        AtomicFiles.write(figures.resolve(e.slug() + ".png"), ReportDrawing.png(ds.get(0), pngScale));
                        svgs.put(e, svg);
                    }
                }
            }
        } finally {
            drawings.clear();
            if (drawing != null) {
                drawing.stop();
                drawing = null;
            }
        }
    }

    private static void table(StringBuilder h, Entry e) {
        h.append(Tables.html(e.slug(), e.table().header(), e.table().rows(), e.table().colors()));
    }

    /** A table's HTML as {@link #table} puts it in a page: {@link Tables#html} without colours. */
    public static String tableHtml(String id, List<String> header, List<List<String>> rows) {
        return Tables.html(id, header, rows, List.of());
    }

    private static String anchor(String heading) {
        return "s-" + Integer.toHexString(heading.hashCode()) + "-"
                + heading.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    }

    private static void summary(StringBuilder h, ModelView m) {
        h.append("<section id=\"model-summary\"><h2>Model summary</h2>\n<p>").append(Xml.escape(m.name())).append(" \u00b7 ")
                .append(Xml.escape(m.framework())).append(" \u00b7 ").append(m.layers().size()).append(" layers \u00b7 ")
                .append(Xml.escape(Num.parameters(m.parameterCountByDtype()))).append("</p>\n");
        if (!m.properties().isEmpty()) {
            h.append("<table><tr><th>property</th><th>value</th></tr>\n");
            m.properties().forEach((k, v) -> h.append("<tr><td>").append(Xml.escape(k)).append("</td><td>")
                    .append(Xml.escape(v)).append("</td></tr>\n"));
            h.append("</table>\n");
        }
        h.append("<table class=\"layers\"><tr><th>#</th><th>layer</th><th>kind</th><th>type</th><th>output shape</th><th>parameters</th></tr>\n");
        int i = 0;
        LayerNames names = LayerNames.of(m);
        if (!names.prefix().isEmpty()) {
            h.append("<p class=\"note\">Layer names are shown without the prefix most of them share, <code>")
                    .append(Xml.escape(names.prefix())).append("</code>; hover a name for its full id.</p>\n");
        }
        for (LayerInfo l : m.layers()) {
            h.append("<tr data-layer=\"").append(Xml.escape(l.id())).append("\"><td class=\"n\">").append(i++).append("</td><td title=\"")
                    .append(Xml.escape(l.id())).append("\">")
                    .append(Xml.escape(Xml.abbreviate(names.display(l), 120)))
                    .append("</td><td>").append(l.kind().name().toLowerCase(Locale.ROOT)).append("</td><td>")
                    .append(Xml.escape(l.frameworkType())).append("</td><td>")
                    .append(Xml.escape(LayerNames.fullShape(l))).append("</td><td class=\"n\">")
                    .append(Num.count(l.parameterCount())).append("</td></tr>\n");
        }
        h.append("<tr><th colspan=\"5\">total</th><th class=\"n\">").append(Num.count(m.parameterCount())).append("</th></tr>\n</table></section>\n");
    }
}
