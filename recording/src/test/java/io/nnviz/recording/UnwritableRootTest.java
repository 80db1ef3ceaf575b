package io.nnviz.recording;

import io.nnviz.recording.run.RunLog;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 27: a runs root nobody can write (here under /sys, which the kernel refuses to anyone,
 * root included) does not stop training: the recorder is built, records in memory, and the run
 * says why nothing reached disk.
 */
class UnwritableRootTest {
    @Test
    void trainingGoesOnInMemoryAndTheRunSaysWhy() {
        Path root = Path.of("/sys/nnviz-runs");
        Recorder rec = Recorder.builder().runsRoot(root).name("unwritable").build();
        TestRuns.softmaxSteps(rec, 12);
        RunLog log = rec.log();
        rec.close();
        assertEquals(12, log.lastStep(), "every step recorded");
        assertEquals(12, log.stepSeries("loss").size());
        String note = log.notes().getOrDefault("storage", "");
        assertTrue(note.contains("/sys/nnviz-runs") && note.contains("memory only"), log.notes().toString());
        assertFalse(Files.exists(root));
    }
}
