package io.nnviz.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 32: the class-data archives of the child JVMs ({@link Cds}). How the archives are made and
 * used from the jar is {@link JarIT}'s; here, what decides and tidies.
 */
class CdsTest {
    @TempDir
    Path dir;

    @Test
    void aFormatNamesItsArchiveAndOnlyAFormatABackendReads() throws Exception {
        Path onnx = CliRun.resource("all-minilm-l6-v2.onnx", dir);
        assertEquals("onnx", Cds.format(onnx));
        assertNull(Cds.format(Files.writeString(dir.resolve("notes.txt"), "not a model")), "no backend reads it: no archive of its own");
        assertNull(Cds.format(dir.resolve("missing.onnx")));
        assertNull(Cds.format(null));
    }

    @Test
    void fromClassesThereIsNoArchive() {
        // tests run the CLI from target/classes: a folder is no jar the JVM can check an archive against
        assertNull(Cds.jar());
        Cds.Plan p = Cds.plan(null, List.of(), 1L << 30);
        assertTrue(p.options().isEmpty());
        assertNull(p.classPath());
        assertTrue(p.environment().isEmpty());
    }

    @Test
    void whatDeadRunsLeftHalfWrittenGoesTheRestStays() throws Exception {
        long dead = deadPid();
        long alive = ProcessHandle.current().pid();
        Path deadList = Files.writeString(dir.resolve("classes-" + dead + ".lst"), "x");
        Path deadTop = Files.writeString(dir.resolve("onnx-" + dead + ".jsa.tmp"), "x");
        Path deadDone = Files.writeString(dir.resolve("onnx-" + dead + ".done"), "0");
        Path aliveTop = Files.writeString(dir.resolve("onnx-" + alive + ".jsa.tmp"), "x");
        Path base = Files.writeString(dir.resolve("base.jsa"), "x");
        Path top = Files.writeString(dir.resolve("onnx.jsa"), "x");

        Cds.removeOrphans(dir);

        assertFalse(Files.exists(deadList));
        assertFalse(Files.exists(deadTop));
        assertFalse(Files.exists(deadDone));
        assertTrue(Files.exists(aliveTop), "a run still going keeps what it writes");
        assertTrue(Files.exists(base) && Files.exists(top), "archives stay");
    }

    @Test
    void foldersOfOtherJarsUnusedForADayGo() throws Exception {
        Path keep = folder("nnviz-00000001", Duration.ofDays(3));
        Path stale = folder("nnviz-00000002", Duration.ofDays(2));
        Path recent = folder("nnviz-00000003", Duration.ofHours(2));
        Path other = folder("something-else", Duration.ofDays(2));

        Cds.removeStale(dir, keep);

        assertTrue(Files.exists(keep.resolve("base.jsa")), "the folder in use stays, however old");
        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(recent), "another jar's CLI may be running it");
        assertTrue(Files.exists(other), "not the CLI's");
    }

    private Path folder(String name, Duration age) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.writeString(d.resolve("base.jsa"), "x");
        Files.setLastModifiedTime(d, FileTime.from(Instant.now().minus(age)));
        return d;
    }

    /** A process id no process has now. */
    private static long deadPid() {
        for (long pid = 4_000_000; ; pid--) {
            if (ProcessHandle.of(pid).isEmpty()) {
                return pid;
            }
        }
    }
}
