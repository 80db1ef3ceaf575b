package io.nnviz.recording.storage;

import io.nnviz.recording.Runs;
import io.nnviz.recording.TestRuns;
import io.nnviz.recording.format.RunEvents;
import io.nnviz.recording.format.RunJson;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.sink.EventLogSink;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A shared runs root where someone linked a run's {@code run.json}, another's event log and a
 * whole run directory to files outside the root (a key, a token of the reader's): none of them is
 * read, listed or written through, and no message names what they point at. Links within the root
 * still work.
 */
class LocalRunStoreLinksTest {
    static final String SECRET = "SECRET-9d41b2-outside-the-root";

    @TempDir
    Path dir;
    Path root, outside;
    LocalRunStore store;
    byte[] secretJson, secretLog;

    @BeforeEach
    void plant() throws Exception {
        root = Files.createDirectories(dir.resolve("runs"));
        outside = Files.createDirectories(dir.resolve("home-of-the-reader"));
        RunJson.write(TestRuns.losses("real", Map.of("lr", 0.1), 5), Files.createDirectories(root.resolve("real")).resolve("run.json"));
        // valid run files, so that if one were read its secret would show in the run's name and hyperparameters
        RunLog secret = TestRuns.losses(SECRET, Map.of("token", SECRET), 5);
        RunJson.write(secret, outside.resolve("secret.json"));
        EventLogSink log = new EventLogSink(outside.resolve("events.jsonl"), secret);
        log.scalar("loss", 1, 0.5);
        log.close(secret);
        Files.copy(outside.resolve("secret.json"), outside.resolve("run.json"));
        secretJson = Files.readAllBytes(outside.resolve("secret.json"));
        secretLog = Files.readAllBytes(outside.resolve("events.jsonl"));
        Files.createSymbolicLink(Files.createDirectories(root.resolve("linked")).resolve("run.json"), outside.resolve("secret.json"));
        Files.createSymbolicLink(Files.createDirectories(root.resolve("linked-log")).resolve("events.jsonl"), outside.resolve("events.jsonl"));
        Files.createSymbolicLink(root.resolve("linked-dir"), outside);
        // a link within the root, to the real run: followed as before
        Files.createSymbolicLink(Files.createDirectories(root.resolve("alias")).resolve("run.json"), Path.of("..", "real", "run.json"));
        store = new LocalRunStore(root);
    }

    private void assertNothingOfTheTarget(String what, String text) {
        assertFalse(text.contains(SECRET), what + " holds the secret: " + text);
        assertFalse(text.contains(outside.getFileName().toString()), what + " names the link's target: " + text);
    }

    @Test
    void readingTheRunsShowsTheRealRunsAndNothingOfTheLinkedFiles() throws Exception {
        assertEquals(List.of("alias/run.json", "real/run.json"), store.files("", 2), "links out are not listed");
        assertEquals(List.of(), store.files("linked-dir", 0), "nor the folder linked in");
        assertEquals(List.of("alias", "real"), Runs.directories(store));

        Runs runs = Runs.open(root);
        assertEquals(List.of("real", "real"), runs.logs().stream().map(l -> l.info().name()).toList());
        for (RunLog l : runs.logs()) {
            assertNothingOfTheTarget("a run read", l.info().toString() + l.info().hyperparameters());
        }
        assertNothingOfTheTarget("the problems", String.join("\n", runs.problems()));

        // asked for them by name, as a caller that listed them earlier might
        for (String linked : List.of("linked", "linked-log", "linked-dir")) {
            List<String> problems = new ArrayList<>();
            assertTrue(Runs.read(store, linked, problems).isEmpty(), linked);
            assertNothingOfTheTarget(linked + "'s problems", String.join("\n", problems));
        }
    }

    @Test
    void aLinkOutIsNeitherOpenedNorSizedNorWrittenThrough() throws Exception {
        for (String path : List.of("linked/run.json", "linked-log/events.jsonl", "linked-dir/run.json")) {
            IOException e = assertThrows(IOException.class, () -> {
                try (InputStream in = store.open(path)) {
                    in.readAllBytes();
                }
            }, path);
            assertTrue(e.getMessage().contains(path) && e.getMessage().contains("out of the runs root"), e.getMessage());
            assertNothingOfTheTarget("the error", e.getMessage());
            assertThrows(IOException.class, () -> store.tail(path, 100), path);
            assertEquals(-1, store.size(path), path);
            assertEquals(-1, store.modified(path), path);
        }
        IOException e = assertThrows(IOException.class, () -> RunJson.read(store, "linked/run.json"));
        assertNothingOfTheTarget("RunJson's error", e.getMessage());
        e = assertThrows(IOException.class, () -> RunEvents.read(store, "linked-log/events.jsonl", 100));
        assertNothingOfTheTarget("RunEvents' error", e.getMessage());

        // writing: an append is refused, a folder is not made through a link, a replace replaces the link itself
        assertThrows(IOException.class, () -> store.append("linked-log/events.jsonl"));
        assertThrows(IOException.class, () -> store.append("linked-dir/new/events.jsonl"));
        assertThrows(IOException.class, () -> store.create("linked-dir/new.json"));
        assertFalse(Files.exists(outside.resolve("new")) || Files.exists(outside.resolve("new.json")), "nothing made outside");
        store.replace("linked/run.json", "{}".getBytes(StandardCharsets.UTF_8));
        assertFalse(Files.isSymbolicLink(root.resolve("linked/run.json")));
        assertArrayEquals(secretJson, Files.readAllBytes(outside.resolve("secret.json")), "the target is untouched");
        assertArrayEquals(secretLog, Files.readAllBytes(outside.resolve("events.jsonl")), "the target is untouched");
    }

    @Test
    void linksWithinTheRootAreFollowedAndWritingStillWorks() throws Exception {
        try (InputStream in = store.open("alias/run.json")) {
            assertArrayEquals(Files.readAllBytes(root.resolve("real/run.json")), in.readAllBytes());
        }
        assertEquals(Files.size(root.resolve("real/run.json")), store.size("alias/run.json"));
        try (RunStore.Appender a = store.append("fresh/events.jsonl")) {
            a.append("one\n".getBytes(StandardCharsets.UTF_8));
            a.append("two\n".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals("one\ntwo\n", Files.readString(root.resolve("fresh/events.jsonl")));
        assertArrayEquals("two\n".getBytes(StandardCharsets.UTF_8), store.tail("fresh/events.jsonl", 4));
        try (var out = store.create("fresh/new.json")) {
            out.write('x');
        }
        assertThrows(FileAlreadyExistsException.class, () -> store.create("fresh/new.json"));
        // a root that does not exist yet is made by the first write, as before
        LocalRunStore later = new LocalRunStore(dir.resolve("later/runs"));
        later.replace("a/run.json", "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("a/run.json"), later.files("", 2));
        assertEquals(-1, later.size("b/run.json"));
    }
}
