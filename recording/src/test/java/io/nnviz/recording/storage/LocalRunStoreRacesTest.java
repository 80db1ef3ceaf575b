package io.nnviz.recording.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A runs root read while a recorder writes it: files come and go between a listing and the look
 * at each (a {@code run.json} written to a temporary file and renamed over the old one). A
 * CI run's dashboard watcher died of it ({@code UncheckedIOException: NoSuchFileException
 * .run.json...tmp} out of the listing), and its pages stayed at step 1.
 */
class LocalRunStoreRacesTest {
    @TempDir
    Path dir;

    @Test
    void listingARunWhileItsFilesAreReplacedNeverFails() throws Exception {
        Path run = Files.createDirectories(dir.resolve("runs/r-1"));
        Files.writeString(run.resolve("events.jsonl"), "{}\n");
        LocalRunStore store = new LocalRunStore(dir.resolve("runs"));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong writes = new AtomicLong();
        Thread writer = new Thread(() -> { // as AtomicFiles writes run.json: a temporary file, renamed over the old one
            byte[] json = "{\"run\": 1}".getBytes(StandardCharsets.UTF_8);
            while (!stop.get()) {
                try {
                    Path tmp = Files.createTempFile(run, ".run.json", ".tmp");
                    Files.write(tmp, json);
                    Files.move(tmp, run.resolve("run.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    writes.incrementAndGet();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        });
        writer.start();
        int lists = 0;
        try {
            for (long t0 = System.nanoTime(); System.nanoTime() - t0 < 2_000_000_000L; lists++) {
                List<String> files = store.files("", 2);
                assertTrue(files.contains("r-1/events.jsonl"), files.toString());
                for (String f : files) {
                    store.size(f); // a file gone since the listing is -1, not an exception
                    store.modified(f);
                }
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        assertTrue(writes.get() > 100 && lists > 100, writes + " writes, " + lists + " listings");
    }
}
