package io.nnviz.recording.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * Where a runs root lives: a local folder ({@link LocalRunStore}) or any file system a
 * {@link RunStoreProvider} serves (HDFS, S3 through {@code nnviz-hadoop}). Paths are relative to
 * the root and separated by {@code /}. A store only moves bytes; the files' formats are known by
 * the recording classes that write them ({@code RunEvents}, {@code RunJson}, TensorBoard's writer).
 * Implementations are safe for use by several threads and processes at once in the ways the
 * methods say.
 */
public interface RunStore extends Closeable {
    /** The root, as a user would write it (a path or a URI), for messages. */
    String location();

    /**
     * Opens {@code path} for appending whole records, creating it (and its folders) if absent.
     * Throws {@link UnsupportedOperationException} if the store cannot append to an existing file
     * (object stores); the caller then starts a file of its own.
     */
    Appender append(String path) throws IOException;

    /** A new file at {@code path} (folders created); {@link java.nio.file.FileAlreadyExistsException} if one is there. */
    OutputStream create(String path) throws IOException;

    /** Replaces {@code path} with {@code content} as one step: a reader sees the old file or the new, never a part. */
    void replace(String path, byte[] content) throws IOException;

    /** Reads {@code path}. */
    InputStream open(String path) throws IOException;

    /**
     * The last {@code n} bytes of {@code path} (all of it if shorter), to find a log's last record
     * without reading it all.
     */
    byte[] tail(String path, int n) throws IOException;

    /** The file's size in bytes, or -1 if there is no such file. */
    long size(String path) throws IOException;

    /** When the file last changed (epoch millis), or -1 if there is no such file. */
    long modified(String path) throws IOException;

    /** The files under {@code dir} ({@code ""} for the root) down to {@code depth} folders, as paths from the root, sorted. */
    List<String> files(String dir, int depth) throws IOException;

    /** Releases what the store holds (connections); files appended to stay open until their appenders close. */
    @Override
    default void close() throws IOException {
    }

    /** A file open for appending records. */
    interface Appender extends Closeable {
        /**
         * Appends one whole record in one write; records of concurrent appenders to different files
         * never mix. Readers see it when this returns if {@link #visibleAtOnce()}, else once the
         * file is closed.
         */
        void append(byte[] record) throws IOException;

        /** Whether a record is visible to readers as soon as it is appended (a local file, HDFS with hflush), or only once the file is closed (S3). */
        boolean visibleAtOnce();

        /** Makes what was appended durable. */
        void flush() throws IOException;
    }
}
