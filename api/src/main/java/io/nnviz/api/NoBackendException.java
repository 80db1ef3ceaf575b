package io.nnviz.api;

/**
 * No installed backend understands an object or a file. The message names the object's class (or
 * the file) and the artifact to add.
 */
public class NoBackendException extends NnvizException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message. */
    public NoBackendException(String message) {
        super(message);
    }
}
