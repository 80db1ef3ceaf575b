package io.nnviz.recording;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Keeps {@code run.json} ({@link RunJson}) up to date: rewritten, atomically, whenever the
 * recorder flushes (at the end of every epoch and of training, and on {@link Recorder#flush()}).
 */
public final class JsonSink implements RunSink {
    private final Path file;

    /** A sink writing {@code file}. */
    public JsonSink(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The file written. */
    public Path file() {
        return file;
    }

    @Override
    public void flush(RunLog log) throws IOException {
        RunJson.write(log, file);
    }
}
