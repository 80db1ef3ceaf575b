package io.nnviz.api;

/** A framework failed underneath a backend; the framework's own throwable is the cause. */
public class BackendException extends NnvizException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message and the framework's error. */
    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
