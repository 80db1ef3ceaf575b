package io.nnviz.cli;

import io.nnviz.api.spi.Printable;
import io.nnviz.recording.storage.RunStore;
import io.nnviz.recording.storage.RunStores;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/** A runs root as the commands take it: a local folder, or a URI ({@code hdfs://namenode:8020/runs}, {@code s3a://bucket/runs}). */
final class RunRoots {
    private RunRoots() {
    }

    /** The store at {@code root}; a usage error naming the problem if it is not a folder or cannot be reached. */
    /** The ROOT parameter's description, one for every command taking a runs root. */
    static final String DESCRIPTION = "The runs root: a directory of run directories, or a URI (hdfs://namenode:8020/runs, s3a://bucket/runs).";

    static RunStore open(String root) throws Main.UsageException {
        String scheme = RunStores.scheme(root);
        if ((scheme == null || scheme.equals("file"))
                && !Files.isDirectory(scheme == null ? Path.of(root) : Path.of(URI.create(root)))) {
            throw new Main.UsageException(root + ": no such runs root (a directory of run directories)");
        }
        try {
            RunStore store = RunStores.open(root);
            store.files("", 0); // reached and listable, or a clear error now
            return store;
        } catch (IOException | RuntimeException e) {
            throw new Main.UsageException(Printable.oneLine(root + ": " + e.getMessage()));
        }
    }
}
