package io.nnviz.recording.view;

import io.nnviz.analysis.doctor.Evidence;
import io.nnviz.analysis.doctor.Finding;
import io.nnviz.renderers.report.Alerts;
import io.nnviz.renderers.report.HtmlReport;

import java.util.ArrayList;
import java.util.List;

/**
 * A run's Diagnosis section, the first of its report: each of the doctor's findings as an alert
 * linked to the figures of the run that show it (the charts of the series, the histograms of the
 * weights it names), or a line saying the doctor found nothing.
 */
final class DiagnosisSection {
    /** The section's heading. */
    static final String HEADING = "Diagnosis";

    private DiagnosisSection() {
    }

    /** Adds the section, leading the report, with {@code findings} (in their order) out of {@code rules} rules. */
    static void addTo(HtmlReport report, List<Finding> findings, int rules) {
        report.leadSection(HEADING);
        if (findings.isEmpty()) {
            report.note("The training doctor found nothing wrong: its " + rules + " rules (NaN, divergence, plateaus, vanishing and"
                    + " exploding gradients, dead and saturated units, update ratios, overfitting, collapse, frozen weights) saw no"
                    + " sign of trouble in what this run recorded.");
            return;
        }
        List<Alerts.Alert> alerts = new ArrayList<>();
        for (Finding f : findings) {
            String label = f.severity() + " " + f.rule() + (f.where().isEmpty() ? "" : " " + f.where())
                    + (f.layers().isEmpty() ? "" : " layer=" + String.join(",", f.layers()));
            List<String> figures = new ArrayList<>();
            for (Evidence e : f.evidence()) {
                String name = figureName(e);
                if (!figures.contains(name)) {
                    figures.add(name);
                }
            }
            alerts.add(new Alerts.Alert(f.severity().name().toLowerCase(java.util.Locale.ROOT), label, f.message(), f.advice(), figures));
        }
        report.alerts(alerts);
    }

    /** The name {@link RunFigures} gives the figure drawing a piece of evidence. */
    static String figureName(Evidence e) {
        return switch (e.kind()) {
            case STEP_SERIES -> {
                String group = MetricCharts.group(e.name());
                yield group.equals("loss") ? "loss" : "metric " + group;
            }
            case EPOCH_SERIES -> "epoch " + MetricCharts.group(e.name());
            case HISTOGRAM -> "hist " + e.name();
        };
    }
}
