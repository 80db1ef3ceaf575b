package io.nnviz.recording;

import io.nnviz.recording.format.RunEvents;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.analysis.Curve;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.sink.EventLogSink;
import io.nnviz.recording.storage.LocalRunStore;
import io.nnviz.recording.storage.RunStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An event log on a store that shows a file only once it is closed, as S3 does, and cannot append
 * to one: the log rolls segments at flushes, each readable as soon as it is closed, and the run
 * reads back whole from them; a worker's shards are merged by step.
 */
class RunEventsSegmentsTest {
    @TempDir
    Path dir;

    /** A local folder that behaves as an object store: a file appears when its writer closes it, and is never appended to. */
    static final class ObjectStore implements RunStore {
        final LocalRunStore local;

        ObjectStore(Path root) {
            local = new LocalRunStore(root);
        }

        @Override
        public String location() {
            return "objects:" + local.location();
        }

        @Override
        public Appender append(String path) throws IOException {
            if (local.size(path) >= 0) {
                throw new UnsupportedOperationException("no appends to an object");
            }
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            return new Appender() {
                @Override
                public void append(byte[] record) {
                    pending.writeBytes(record);
                }

                @Override
                public boolean visibleAtOnce() {
                    return false;
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() throws IOException {
                    local.replace(path, pending.toByteArray()); // the put: all at once
                }
            };
        }

        @Override
        public OutputStream create(String path) throws IOException {
            return local.create(path);
        }

        @Override
        public void replace(String path, byte[] content) throws IOException {
            local.replace(path, content);
        }

        @Override
        public InputStream open(String path) throws IOException {
            return local.open(path);
        }

        @Override
        public byte[] tail(String path, int n) throws IOException {
            return local.tail(path, n);
        }

        @Override
        public long size(String path) throws IOException {
            return local.size(path);
        }

        @Override
        public long modified(String path) throws IOException {
            return local.modified(path);
        }

        @Override
        public List<String> files(String d, int depth) throws IOException {
            return local.files(d, depth);
        }
    }

    @Test
    void segmentsRollAtFlushesAndReadBackWhole() throws Exception {
        ObjectStore store = new ObjectStore(dir);
        MutableRunLog log = MutableRunLog.create(RunInfo.named("s3-like"), 1000);
        EventLogSink events = new EventLogSink(store, "r/events.jsonl", log);
        for (int s = 1; s <= 30; s++) {
            events.scalar("loss", s, 1.0 / s);
        }
        List<String> problems = new ArrayList<>();
        assertFalse(Runs.read(store, "r", problems).isPresent(), "nothing is seen before the first segment closes");
        assertEquals(List.of("r: left out (no run.json or event log)"), problems);
        problems.clear();
        events.flush(log);
        assertEquals(30, Runs.read(store, "r", problems).orElseThrow().stepSeries("loss").size(), "the first segment is seen once closed");
        for (int s = 31; s <= 50; s++) {
            events.scalar("loss", s, 1.0 / s);
        }
        events.epochScalar("validation/accuracy", 0, 0.5);
        events.flush(log);
        for (int s = 51; s <= 60; s++) {
            events.scalar("loss", s, 1.0 / s);
        }
        events.close(log);
        assertEquals(List.of("r/events-1.jsonl", "r/events-2.jsonl", "r/events.jsonl"), store.files("r", 0));
        RunLog back = Runs.read(store, "r", problems).orElseThrow();
        assertTrue(problems.isEmpty(), problems.toString());
        Curve loss = back.stepSeries("loss");
        assertEquals(60, loss.size());
        for (int i = 0; i < 60; i++) {
            assertEquals(i + 1, loss.x(i));
            assertEquals(1.0 / (i + 1), loss.y(i), 0);
        }
        assertEquals(0.5, back.epochSeries("validation/accuracy").y(0), 0);
        assertEquals(60, back.lastStep());

        // a resumed writer cannot append to an object: it starts the next segment
        EventLogSink again = new EventLogSink(store, "r/events.jsonl", log);
        again.scalar("loss", 61, 1.0 / 61);
        again.close(log);
        assertEquals("r/events-3.jsonl", again.file());
        assertEquals(61, Runs.read(store, "r", problems).orElseThrow().stepSeries("loss").size());
    }

    @Test
    void workersShardsMergeByStepWithTheMeanWhereTheyMeet() throws Exception {
        LocalRunStore store = new LocalRunStore(dir);
        MutableRunLog log = MutableRunLog.create(RunInfo.named("data parallel"), 1000);
        EventLogSink a = new EventLogSink(store, "r/" + RunEvents.fileFor("w0"), log);
        EventLogSink b = new EventLogSink(store, "r/" + RunEvents.fileFor("w1"), log);
        for (int s = 1; s <= 10; s++) {
            a.scalar("loss", s, s);
            if (s <= 8) { // worker 1 stopped two steps early
                b.scalar("loss", s, 3 * s);
            }
        }
        b.scalar("w1/only", 4, 7);
        a.close(log);
        b.close(log);
        List<String> problems = new ArrayList<>();
        RunLog merged = Runs.read(store, "r", problems).orElseThrow();
        Curve loss = merged.stepSeries("loss");
        assertEquals(10, loss.size());
        for (int i = 0; i < 10; i++) {
            int s = i + 1;
            assertEquals(s <= 8 ? (s + 3.0 * s) / 2 : s, loss.y(i), 1e-12, "step " + s);
        }
        assertEquals(7, merged.stepSeries("w1/only").y(0), 0);
        assertTrue(merged.notes().get("shards").startsWith("2 event logs"), merged.notes().toString());
        assertThrows(IllegalArgumentException.class, () -> RunEvents.fileFor("../x"));
        assertThrows(IllegalArgumentException.class, () -> new EventLogSink(store, "r/notes.txt", log));
        assertEquals(Optional.empty(), Runs.read(store, "nothing-here", problems).map(RunLog::lastStep));
        assertTrue(Files.isRegularFile(dir.resolve("r/events.w0.jsonl")));
    }
}
