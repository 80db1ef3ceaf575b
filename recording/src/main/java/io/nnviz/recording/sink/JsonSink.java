package io.nnviz.recording.sink;

import io.nnviz.recording.format.RunJson;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.storage.LocalRunStore;
import io.nnviz.recording.storage.RunStore;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Keeps {@code run.json} ({@link RunJson}) up to date: rewritten, in one step, whenever the
 * recorder flushes (at the end of every epoch and of training, and on {@code Recorder.flush()}).
 */
public final class JsonSink implements RunSink {
    private final RunStore store;
    private final String path;

    /** A sink writing the local {@code file}. */
    public JsonSink(Path file) {
        this(new LocalRunStore(file.toAbsolutePath().getParent()), file.getFileName().toString());
    }

    /** A sink writing {@code path} in {@code store}. */
    public JsonSink(RunStore store, String path) {
        this.store = Objects.requireNonNull(store, "store");
        this.path = Objects.requireNonNull(path, "path");
    }

    /** The file written, relative to its store's root. */
    public String path() {
        return path;
    }

    @Override
    public void flush(RunLog log) throws IOException {
        RunJson.write(log, store, path);
    }
}
