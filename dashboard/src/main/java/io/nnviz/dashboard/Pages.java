package io.nnviz.dashboard;

import io.nnviz.renderers.canvas.Xml;

import java.util.Map;
import java.util.TreeMap;

/** The dashboard's HTML pages (the index, a run, a comparison of runs); everything dynamic comes from {@code state.json} through {@code dashboard.js}. */
final class Pages {
    private Pages() {
    }

    private static String head(String title) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + Xml.escape(title) + "</title>"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/static/dashboard.css\"></head>\n";
    }

    /** The list of pages: each page's path name to what it is called (a run's own name). */
    static String index(Map<String, String> runs) {
        StringBuilder b = new StringBuilder(head("nnviz runs")).append("<body><h1>nnviz: runs</h1>\n<ul id=\"runs\">\n");
        for (Map.Entry<String, String> r : new TreeMap<>(runs).entrySet()) {
            b.append("<li><a href=\"/run/").append(Xml.escape(r.getKey())).append("/\">").append(Xml.escape(r.getValue())).append("</a>");
            if (!r.getValue().equals(r.getKey())) {
                b.append(" <small>").append(Xml.escape(r.getKey())).append("</small>");
            }
            b.append("</li>\n");
        }
        if (runs.isEmpty()) {
            b.append("<li>No run is shown yet.</li>\n");
        }
        return b.append("</ul></body></html>\n").toString();
    }

    /** A run's page at {@code /run/NAME/}, headed with the run's own name. */
    static String run(String name, String title) {
        return page(name, title, "", "");
    }

    /** A comparison of runs: the run page's counters (of the run furthest on), the runs table, then the figures. */
    static String comparison(String name) {
        return page(name, name, " data-compare=\"true\"", "<section id=\"runs-table\"></section>\n");
    }

    private static String page(String name, String title, String bodyAttributes, String beforeFigures) {
        return head("nnviz: " + title) + "<body data-run=\"" + Xml.escape(name) + "\"" + bodyAttributes + ">\n"
                + "<header><h1>" + Xml.escape(title) + "</h1><a href=\"/\">all runs</a></header>\n"
                + "<section id=\"diagnosis\" hidden></section>\n" // the doctor's findings, filled by dashboard.js
                + "<section id=\"counters\">"
                + "<div>step <b id=\"step\">-</b></div><div>epoch <b id=\"epoch\">-</b></div>"
                + "<div>steps/s <b id=\"rate\">-</b></div><div>loss <b id=\"loss\">-</b></div>"
                + "<div id=\"status\">connecting</div></section>\n"
                + beforeFigures
                + "<main id=\"figures\"></main>\n"
                + "<aside id=\"nnviz-details\" hidden><button type=\"button\" class=\"close\" title=\"close\">\u00d7</button>"
                + "<h3 class=\"name\"></h3><ul class=\"facts\"></ul><div class=\"figures\"></div></aside>\n"
                + "<script src=\"/static/viewer.js\"></script><script src=\"/static/dashboard.js\"></script></body></html>\n";
    }
}
