package io.nnviz.recording.isolation;

import io.nnviz.NNViz;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.ModelView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 27: {@code LoadOptions.isolated()} turns what a file does to a native reader into an
 * exception: a JVM killed by SIGSEGV, a read that never returns, a refusal; a good file opens.
 * (Here, where a provider with those faults is registered; the api module's own tests count
 * their providers.)
 */
class IsolatedLoadTest {
    @TempDir
    Path dir;

    private Path file(String name) throws Exception {
        return Files.writeString(dir.resolve(name), "model bytes");
    }

    @Test
    void aFileThatKillsItsReaderKillsTheChildNotThisJvm() throws Exception {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> NNViz.load(file("upload.segv"), LoadOptions.defaults().isolated()));
        assertTrue(e.getMessage().contains("upload.segv") && e.getMessage().contains("killed the isolated JVM")
                && e.getMessage().contains("not opened here"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line");
    }

    @Test
    void aReadThatNeverEndsEndsAtTheTimeoutWithNothingLeftRunning() throws Exception {
        long t0 = System.nanoTime();
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> NNViz.load(file("pipe.hang"), LoadOptions.defaults().isolated(Duration.ofSeconds(3))));
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
        assertTrue(e.getMessage().contains("longer than 3 s"), e.getMessage());
        assertTrue(seconds < 30, "ended at the timeout: " + seconds + " s");
        Thread.sleep(500);
        assertEquals(0, ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count(), "no child left behind");
    }

    @Test
    void aRefusalIsTheChildsOneLineAndAGoodFileOpensHere() throws Exception {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> NNViz.load(file("big.refuse"), LoadOptions.defaults().isolated()));
        assertEquals("cannot open model " + dir.resolve("big.refuse") + ": it declares 5,000,000,000 weights and holds 1,024 bytes",
                e.getMessage());
        try (ModelView m = NNViz.load(file("fine.ok"), LoadOptions.defaults().isolated())) {
            assertEquals("fine.ok", m.name());
        }
    }

    @Test
    void aLoadThatExhaustsTheHeapOrTheStackInThisJvmIsNnvizsExceptionNotAnError() throws Exception {
        ModelLoadException oom = assertThrows(ModelTooLargeException.class, () -> NNViz.load(file("huge.oom")));
        assertTrue(oom.getMessage().contains("huge.oom") && oom.getMessage().contains("ran out"), oom.getMessage());
        ModelLoadException deep = assertThrows(ModelLoadException.class, () -> NNViz.load(file("nested.deep"), LoadOptions.defaults()));
        assertTrue(deep.getMessage().contains("nests too deeply"), deep.getMessage());
        try (ModelView m = NNViz.load(file("after.ok"))) { // and this JVM goes on
            assertEquals("after.ok", m.name());
        }
    }
}
