package io.nnviz.recording.diagnosis;

import com.fasterxml.jackson.core.JsonGenerator;
import io.nnviz.analysis.doctor.Evidence;
import io.nnviz.analysis.doctor.Finding;
import io.nnviz.recording.run.RunLog;

import java.io.IOException;
import java.io.StringWriter;
import java.util.List;

/**
 * Findings as JSON, for machines ({@code nnviz doctor --json}): an object per run with its id,
 * name and last step, and its findings, each with {@code severity}, {@code rule}, {@code step}
 * (or null), {@code epoch} (zero-based, or null), {@code layers}, {@code message}, {@code advice}
 * and {@code evidence} ({@code kind}: {@code step}, {@code epoch} or {@code histogram}, and
 * {@code name}).
 */
public final class FindingsJson {
    private FindingsJson() {
    }

    /** {@code {"runs": [{"id", "name", "lastStep", "findings": [...]}, ...]}} for runs and their findings, in order. */
    public static String of(List<RunLog> runs, List<List<Finding>> findings) throws IOException {
        if (runs.size() != findings.size()) {
            throw new IllegalArgumentException(runs.size() + " runs but " + findings.size() + " lists of findings");
        }
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new com.fasterxml.jackson.core.JsonFactory().createGenerator(w)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeArrayFieldStart("runs");
            for (int i = 0; i < runs.size(); i++) {
                RunLog r = runs.get(i);
                g.writeStartObject();
                g.writeStringField("id", r.info().id());
                g.writeStringField("name", r.info().name());
                g.writeNumberField("lastStep", r.lastStep());
                g.writeArrayFieldStart("findings");
                for (Finding f : findings.get(i)) {
                    write(g, f);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return w.toString();
    }

    private static void write(JsonGenerator g, Finding f) throws IOException {
        g.writeStartObject();
        g.writeStringField("severity", f.severity().name());
        g.writeStringField("rule", f.rule());
        if (f.step() >= 0) {
            g.writeNumberField("step", f.step());
        } else {
            g.writeNullField("step");
        }
        if (f.epoch() >= 0) {
            g.writeNumberField("epoch", f.epoch());
        } else {
            g.writeNullField("epoch");
        }
        g.writeArrayFieldStart("layers");
        for (String l : f.layers()) {
            g.writeString(l);
        }
        g.writeEndArray();
        g.writeStringField("message", f.message());
        g.writeStringField("advice", f.advice());
        g.writeArrayFieldStart("evidence");
        for (Evidence e : f.evidence()) {
            g.writeStartObject();
            g.writeStringField("kind", switch (e.kind()) {
                case STEP_SERIES -> "step";
                case EPOCH_SERIES -> "epoch";
                case HISTOGRAM -> "histogram";
            });
            g.writeStringField("name", e.name());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
