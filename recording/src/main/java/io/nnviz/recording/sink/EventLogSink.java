package io.nnviz.recording.sink;

import io.nnviz.recording.format.RunEvents;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.storage.LocalRunStore;
import io.nnviz.recording.storage.RunStore;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Appends a run's values to its event log ({@link RunEvents}, {@code events.jsonl}) as they come:
 * one record a value, each one append of one whole line, so the run can be read back while it is
 * written and after a crash. Where the store shows a record only once its file is closed (S3), or
 * cannot append to an existing file, the log goes on in segments ({@code events-1.jsonl}, ...),
 * each closed at a flush or after {@value #ROLL_MILLIS} ms and each starting with the run's line;
 * readers merge them by step. Its methods are synchronized: a recorder calls them from its one
 * worker thread, a program of its own from any.
 */
public final class EventLogSink implements RunSink {
    /** How long a segment stays open on a store whose records are seen only once a file is closed (S3). */
    static final long ROLL_MILLIS = 30_000;
    private final RunStore store;
    private final String base;
    private final byte[] header;
    private RunStore.Appender out;
    private String file;
    private int segment;
    private long opened;
    private boolean closed;

    /** A sink appending to the local {@code file}, whose first line is {@code log}'s run (written now if the file is new). */
    public EventLogSink(Path file, RunLog log) throws IOException {
        this(new LocalRunStore(file.toAbsolutePath().getParent()), file.getFileName().toString(), log);
    }

    /**
     * A sink appending to {@code path} in {@code store} (its name {@code events[.WORKER].jsonl},
     * {@link RunEvents#fileFor}), whose first line is {@code log}'s run (written now if the file
     * is new).
     *
     * @throws IllegalArgumentException if the name is not an event log's
     */
    public EventLogSink(RunStore store, String path, RunLog log) throws IOException {
        if (!RunEvents.isLog(path.substring(path.lastIndexOf('/') + 1))) {
            throw new IllegalArgumentException(path + ": an event log's name is events[.WORKER].jsonl");
        }
        this.store = store;
        this.base = path;
        this.header = RunEvents.runLine(log.info());
        open();
    }

    private void open() throws IOException {
        for (; ; segment++) {
            String name = RunEvents.segment(base, segment);
            long size = store.size(name);
            if (size > 0) {
                try {
                    out = store.append(name); // a resumed run goes on in its own file where the store can append
                } catch (UnsupportedOperationException e) {
                    continue;
                }
                if (!out.visibleAtOnce()) {
                    out.close(); // appended records would hide the file's earlier ones until closed: start a segment instead
                    out = null;
                    continue;
                }
            } else {
                out = store.append(name);
                out.append(header);
            }
            file = name;
            opened = System.currentTimeMillis();
            return;
        }
    }

    /** The file being written (the latest segment), relative to the store's root. */
    public synchronized String file() {
        return file;
    }

    private synchronized void append(byte[] line) throws IOException {
        if (closed) {
            return;
        }
        if (out == null) {
            segment++;
            open();
        }
        out.append(line); // one append of the whole line: never interleaved with another record
        if (!out.visibleAtOnce() && System.currentTimeMillis() - opened > ROLL_MILLIS) {
            roll();
        }
    }

    /** Closes the current segment (readers see it whole); the next record starts another. */
    private void roll() throws IOException {
        RunStore.Appender o = out;
        out = null;
        o.close();
    }

    @Override
    public void scalar(String name, long step, double value) throws IOException {
        append(RunEvents.scalarLine(name, step, value, System.currentTimeMillis()));
    }

    @Override
    public void epochScalar(String name, int epoch, double value) throws IOException {
        append(RunEvents.epochLine(name, epoch, value, System.currentTimeMillis()));
    }

    @Override
    public synchronized void flush(RunLog log) throws IOException {
        if (out != null) {
            if (out.visibleAtOnce()) {
                out.flush();
            } else {
                roll();
            }
        }
    }

    /** Adds the end record if {@code log} says the run finished, and closes the file. */
    @Override
    public synchronized void close(RunLog log) throws IOException {
        if (!closed) {
            if (log.finishedAt().isPresent()) {
                append(RunEvents.endLine(log.finishedAt().getAsLong()));
            }
            closed = true;
            if (out != null) {
                out.close();
                out = null;
            }
        }
    }
}
