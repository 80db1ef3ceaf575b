package io.nnviz.renderers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 27: a writer killed between its temporary file and the rename leaves an orphan; the next writer removes it. A
 * write replaces the file whole and leaves only it.
 */
class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void theFirstWriteIntoAFolderRemovesOldOrphansOnly() throws Exception {
        // what a killed writer leaves: its temporary sibling, an hour old
        Path orphan = Files.write(AtomicFiles.temporary(dir.resolve("run.json")), new byte[10]);
        Files.setLastModifiedTime(orphan, FileTime.from(Instant.now().minusSeconds(3600)));
        Path live = Files.write(AtomicFiles.temporary(dir.resolve("events.jsonl")), new byte[3]); // a writer that may still be running
        Path other = Files.writeString(dir.resolve("notes.tmp"), "not a temporary sibling");
        Files.setLastModifiedTime(other, FileTime.from(Instant.now().minusSeconds(3600)));

        AtomicFiles.write(dir.resolve("run.json"), "{}".getBytes());

        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(live.getFileName().toString(), "notes.tmp", "run.json"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertTrue(Files.notExists(orphan));
    }

    @Test
    void aWriteReplacesTheFileWholeWithTheModeOfAnyNewFileAndLeavesNothingBeside() throws Exception {
        Path ordinary = Files.writeString(dir.resolve("ordinary.txt"), "made the usual way"); // the umask's mode
        Path target = dir.resolve("figure.svg");
        Files.writeString(target, "an older, longer figure that the new one must replace whole");
        byte[] figure = "<svg/>".getBytes(StandardCharsets.UTF_8);

        AtomicFiles.write(target, figure);

        assertArrayEquals(figure, Files.readAllBytes(target));
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertEquals(Files.getPosixFilePermissions(ordinary), Files.getPosixFilePermissions(target));
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("figure.svg", "ordinary.txt"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void aFolderThatCannotBeMadeIsNamed() throws Exception {
        Path blocked = Files.writeString(dir.resolve("blocked"), "a file where the folder should be");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(blocked.resolve("a.png"), new byte[1]));
        assertTrue(e.getMessage().contains("blocked"), e.getMessage());
    }
}
