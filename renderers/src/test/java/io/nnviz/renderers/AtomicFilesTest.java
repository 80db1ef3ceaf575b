package io.nnviz.renderers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 27: a writer killed between its temporary file and the rename leaves an orphan; the next writer removes it. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void theFirstWriteIntoAFolderRemovesOldOrphansOnly() throws Exception {
        // what a killed writer leaves: the temporary sibling createTempFile made, an hour old
        Path orphan = Files.createTempFile(dir, ".run.json", ".tmp");
        Files.setLastModifiedTime(orphan, FileTime.from(Instant.now().minusSeconds(3600)));
        Path live = Files.createTempFile(dir, ".events.jsonl", ".tmp"); // a writer that may still be running
        Path other = Files.writeString(dir.resolve("notes.tmp"), "not a temporary sibling");
        Files.setLastModifiedTime(other, FileTime.from(Instant.now().minusSeconds(3600)));

        AtomicFiles.write(dir.resolve("run.json"), "{}".getBytes());

        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(live.getFileName().toString(), "notes.tmp", "run.json"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
