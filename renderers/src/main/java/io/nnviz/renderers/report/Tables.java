package io.nnviz.renderers.report;

import io.nnviz.renderers.canvas.Xml;

import java.util.List;
import java.util.Locale;

/**
 * A runs table's HTML, for the report ({@link HtmlReport#table}) and the live dashboard's
 * comparison alike: its columns sort by a click on their header ({@code viewer.js}), each row's box
 * hides the chart series named as its first cell, and each row can carry its run's colour, so the
 * table is the key of every chart. However many metric columns it has, the table scrolls inside
 * the page's width with its key columns (the box and the run) held at the left ({@link #CSS}).
 */
public final class Tables {
    /**
     * The styles both pages use: the key columns sticky at the left edge of the scrolling table, on
     * a background of their own so the metric columns pass under them.
     */
    public static final String CSS = ".table-wrap{overflow:auto;max-width:100%}"
            + ".nnviz-table td:first-child,.nnviz-table th:first-child{position:sticky;left:0;z-index:2;box-sizing:border-box;width:4.8em;"
            + "min-width:4.8em;max-width:4.8em;white-space:nowrap}"
            + ".nnviz-table td:nth-child(2),.nnviz-table th:nth-child(2){position:sticky;left:4.8em;z-index:2;min-width:9em;max-width:16em;overflow-wrap:anywhere;"
            + "box-shadow:2px 0 0 #bbb}"
            + ".nnviz-table td:first-child,.nnviz-table td:nth-child(2){background:#fff}"
            + ".nnviz-table th:first-child,.nnviz-table th:nth-child(2){background:#f0f0f0;z-index:3}"
            + ".nnviz-table .swatch{display:inline-block;width:10px;height:10px;margin-left:6px;vertical-align:middle}\n";

    private Tables() {
    }

    /**
     * The table's HTML: {@code header} and {@code rows} as text (escaped), {@code colors} the ARGB
     * colour of each row's run in the charts (a swatch beside its box), or empty for none.
     */
    public static String html(String id, List<String> header, List<List<String>> rows, List<Integer> colors) {
        StringBuilder h = new StringBuilder(256 + rows.size() * 200);
        h.append("<div class=\"table-wrap\"><table class=\"nnviz-table\" id=\"tab-").append(Xml.escape(id)).append("\">\n<thead><tr><th>shown</th>");
        for (String c : header) {
            h.append("<th class=\"sortable\" title=\"sort\">").append(Xml.escape(c)).append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        for (int i = 0; i < rows.size(); i++) {
            List<String> r = rows.get(i);
            h.append("<tr data-run=\"").append(Xml.escape(r.isEmpty() ? "" : r.get(0))).append("\"><td><input type=\"checkbox\" checked title=\"show in the charts\">");
            if (i < colors.size()) {
                h.append(String.format(Locale.ROOT, "<span class=\"swatch\" title=\"its colour in the charts\" style=\"background:#%06x\"></span>",
                        colors.get(i) & 0xFFFFFF));
            }
            h.append("</td>");
            for (String c : r) {
                h.append("<td>").append(Xml.escape(c)).append("</td>");
            }
            h.append("</tr>\n");
        }
        return h.append("</tbody></table></div>\n").toString();
    }
}
