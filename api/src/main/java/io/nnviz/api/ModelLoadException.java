package io.nnviz.api;

import java.nio.file.Path;

/**
 * A model file or directory could not be read: missing, empty, truncated, corrupt or of a format
 * the backend does not read. The message names the file and the reason.
 */
public class ModelLoadException extends NnvizException {
    private static final long serialVersionUID = 1L;
    private final transient Path path;

    /** An exception about {@code path}. */
    public ModelLoadException(Path path, String reason) {
        super("cannot open model " + path + ": " + reason);
        this.path = path;
    }

    /** An exception about {@code path} with the underlying cause. */
    public ModelLoadException(Path path, String reason, Throwable cause) {
        super("cannot open model " + path + ": " + reason, cause);
        this.path = path;
    }

    /** The file or directory that could not be read. */
    public Path path() {
        return path;
    }
}
