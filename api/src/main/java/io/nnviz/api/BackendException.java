package io.nnviz.api;

/** A framework failed underneath a backend; the framework's own throwable is the cause. */
public class BackendException extends NnvizException {
    private static final long serialVersionUID = 1L;

    /** A framework did something nnviz cannot read (a tensor of the wrong size, a missing output), with no error of its own. */
    public BackendException(String message) {
        super(message);
    }

    /** An exception with a message and the framework's error. */
    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
