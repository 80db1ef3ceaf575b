package io.nnviz.recording;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 26: a run written again into the same TensorBoard folder replaces its event files; a resumed one appends. */
class TensorBoardRewriteTest {
    @TempDir
    Path dir;

    private List<Path> eventFiles() throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).sorted().toList();
        }
    }

    @Test
    void aNewRunReplacesTheEventFilesOfTheLastOneAndLeavesOtherFiles() throws Exception {
        Path tb = dir.resolve("tb");
        Files.createDirectories(tb);
        Path foreign = Files.writeString(tb.resolve("events.out.tfevents.1.keras"), "written by another program");
        for (int run = 0; run < 2; run++) {
            try (Recorder r = Recorder.builder().tensorBoard(tb).json(dir.resolve("run.json")).build()) {
                r.scalar("loss", 1, 0.5 + run);
                r.epochScalar("validation/accuracy", 0, 0.7);
            }
        }
        List<Path> files = eventFiles();
        assertEquals(3, files.size(), "the second run's root and validation files, and the foreign file: " + files);
        assertTrue(files.contains(foreign));
        assertEquals(1, files.stream().filter(p -> p.getParent().getFileName().toString().equals("validation")).count(), files.toString());

        try (Recorder r = Recorder.resume(dir.resolve("run.json")).tensorBoard(tb).build()) {
            r.scalar("loss", 2, 0.25);
        }
        assertEquals(4, eventFiles().size(), "a resumed run appends a file beside its own: " + eventFiles());
    }
}
