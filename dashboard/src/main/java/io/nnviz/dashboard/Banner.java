package io.nnviz.dashboard;

import com.fasterxml.jackson.core.JsonGenerator;
import io.nnviz.analysis.doctor.Doctor;
import io.nnviz.analysis.doctor.Evidence;
import io.nnviz.analysis.doctor.Finding;
import io.nnviz.recording.diagnosis.RunRecord;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.view.RunFigures;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The findings banner atop a run's page: the training doctor's findings as {@code state.json}
 * hands them to the page (severity, rule, where, layers, message, advice, and the ids of the
 * page's figures that show each one's evidence), and the findings of a run that has no recorder.
 */
final class Banner {
    private Banner() {
    }

    /**
     * The findings of a run log read back or shown without its recorder: {@link Doctor#defaults()}
     * over it, run again only when the log moved on (its last step or epoch, or it finished).
     */
    static Supplier<List<Finding>> diagnosed(RunLog log) {
        return new Supplier<>() {
            private String at;
            private List<Finding> findings = List.of();

            @Override
            public synchronized List<Finding> get() {
                String now = log.lastStep() + "/" + log.lastEpoch() + "/" + log.finishedAt().isPresent();
                if (!now.equals(at)) {
                    findings = Doctor.defaults().diagnose(RunRecord.of(log));
                    at = now;
                }
                return findings;
            }
        };
    }

    /** Writes the {@code findings} array; {@code entries} are the page's figures, which evidence links to. */
    static void write(JsonGenerator g, List<Finding> findings, List<RunFigures.Entry> entries) throws IOException {
        Map<String, String> ids = new HashMap<>();
        for (RunFigures.Entry e : entries) {
            ids.putIfAbsent(e.name(), e.id());
        }
        g.writeArrayFieldStart("findings");
        for (Finding f : findings) {
            g.writeStartObject();
            g.writeStringField("severity", f.severity().name());
            g.writeStringField("rule", f.rule());
            g.writeStringField("where", f.where());
            g.writeStringField("layers", String.join(",", f.layers()));
            g.writeStringField("message", f.message());
            g.writeStringField("advice", f.advice());
            g.writeArrayFieldStart("figures"); // the page's figures showing it, those the dashboard draws
            List<String> linked = new ArrayList<>();
            for (Evidence e : f.evidence()) {
                String id = ids.get(RunFigures.figureName(e));
                if (id != null && !linked.contains(id)) {
                    linked.add(id);
                    g.writeString(id);
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
