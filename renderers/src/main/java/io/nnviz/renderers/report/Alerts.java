package io.nnviz.renderers.report;

import io.nnviz.renderers.canvas.Xml;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A list of alerts in a report ({@link HtmlReport#alerts}): each a coloured line saying what is
 * wrong, how to fix it, and links to the report's figures that show it. What the report's
 * Diagnosis section is made of.
 */
public final class Alerts {
    /**
     * One alert.
     *
     * @param level   {@code "error"}, {@code "warning"} or {@code "info"}: its colour
     * @param label   what it is, shown first in bold ({@code "ERROR non-finite step=120 layer=fc2"})
     * @param text    what it means
     * @param advice  what to do about it
     * @param figures the names (as added to the report) of the figures that show it; those not in the report are left out
     */
    public record Alert(String level, String label, String text, String advice, List<String> figures) {
        /** Validates and copies. */
        public Alert {
            Objects.requireNonNull(level, "level");
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(advice, "advice");
            figures = List.copyOf(figures);
        }
    }

    /** The style of alert lists. */
    static final String CSS = "ul.alerts{list-style:none;padding:0}ul.alerts li{border-left:6px solid #888;background:#f6f6f6;margin:8px 0;"
            + "padding:6px 10px;font-size:14px}ul.alerts li.error{border-color:#c62828;background:#fdecea}"
            + "ul.alerts li.warning{border-color:#ef8f00;background:#fff4e0}ul.alerts li.info{border-color:#1e88e5;background:#eaf3fd}"
            + "ul.alerts .advice{color:#444}ul.alerts .see{font-size:12px}\n";

    private Alerts() {
    }

    /** The list's HTML, each figure linked to its place in the page by the slug the report gave it (figure name to slug). */
    static String html(List<Alert> alerts, Map<String, String> slugs, Map<String, String> titles) {
        StringBuilder h = new StringBuilder("<ul class=\"alerts\">\n");
        for (Alert a : alerts) {
            String level = a.level().matches("error|warning|info") ? a.level() : "info";
            h.append("<li class=\"").append(level).append("\"><b>").append(Xml.escape(a.label())).append("</b>: ")
                    .append(Xml.escape(a.text())).append(" <span class=\"advice\">").append(Xml.escape(a.advice())).append("</span>");
            String sep = " <span class=\"see\">See ";
            for (String f : a.figures()) {
                String slug = slugs.get(f);
                if (slug == null) {
                    continue;
                }
                h.append(sep).append("<a href=\"#fig-").append(slug).append("\">").append(Xml.escape(titles.getOrDefault(f, f))).append("</a>");
                sep = ", ";
            }
            h.append(sep.equals(", ") ? ".</span>" : "").append("</li>\n");
        }
        return h.append("</ul>\n").toString();
    }
}
