package io.nnviz.recording.view;

import io.nnviz.api.Tensor;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.renderers.report.HtmlReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 26's texts: probes counted from 1 ("Probe inputs 1 to 4"), and a run's name said once ("Run run (uuid)" no more). */
class ReportTextsTest {
    @TempDir
    Path dir;

    private static int words(String text, String word) {
        Matcher m = Pattern.compile("(?i)\\b" + word + "\\b").matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void probesAreCountedFromOneAndARunIsNamedOnce() throws Exception {
        MutableRunLog log = MutableRunLog.create(RunInfo.named("run").with(Map.of("lr", 0.1), List.of(), List.of()), 100);
        log.scalar("loss", 1, 0.5);
        float[] in = new float[4 * 3];
        log.probeInputs(Tensor.of(in, 4, 3));
        log.probes(1, Map.of("dense", Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 2)));
        String html = Files.readString(RunReport.of(log).addTo(HtmlReport.titled("t")).write(dir.resolve("r")));
        assertTrue(html.contains(">Probe inputs 1 to 4<"), "four probes, the first probe 1 (the section's figures show them all)");
        assertFalse(html.contains("Probe input 0"), "not counted from 0");
        String probes = Files.readString(dir.resolve("r/figures/probe-dense.svg"));
        assertTrue(probes.contains(">probe 1<") && probes.contains(">probe 4<") && !probes.contains(">probe 0<"), "its rows are probes 1 to 4");

        String line = RunReport.describe(log.info());
        assertEquals(1, words(line, "run"), "the name once, no 'Run run': " + line);
        assertTrue(line.startsWith("run (id " + log.info().id() + "), started "), line);
        String named = RunReport.describe(RunInfo.named("mnist-lenet"));
        assertTrue(named.startsWith("mnist-lenet (id ") && words(named, "mnist") == 1, named);
        assertTrue(html.contains("run (id " + log.info().id() + ")"), "the report's training section says it");
    }
}
