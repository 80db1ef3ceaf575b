package io.nnviz.examples.doctor;

import io.nnviz.analysis.doctor.Doctor;
import io.nnviz.analysis.doctor.Finding;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.diagnosis.RunRecord;
import io.nnviz.recording.format.RunJson;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the broken-training suites of every framework check of a run's findings (DL4J, DJL and TensorFlow's). */
public final class DoctorChecks {
    private DoctorChecks() {
    }

    /** The findings seen live, after checking that run.json written into {@code dir} and read back gives the same. */
    public static List<Finding> liveAndReadBack(Recorder rec, Path dir) throws IOException {
        List<Finding> live = rec.findings();
        Path json = dir.resolve("run.json");
        rec.writeJson(json);
        assertEquals(live, Doctor.defaults().diagnose(RunRecord.of(RunJson.read(json))), "run.json read back gives the findings seen live");
        live.forEach(f -> System.out.println("  " + f.line()));
        return live;
    }

    /** The one finding of {@code rule} among {@code findings}; fails if there is none or more than one. */
    public static Finding only(List<Finding> findings, String rule) {
        List<Finding> of = findings.stream().filter(f -> f.rule().equals(rule)).toList();
        assertEquals(1, of.size(), rule + " among " + findings.stream().map(Finding::line).toList());
        return of.get(0);
    }
}
