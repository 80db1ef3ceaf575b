package io.nnviz.api;

/**
 * The root of every exception nnviz throws on purpose. Messages name the file, layer or tensor
 * concerned and say what to do. Native failures are wrapped in a subclass at the backend boundary.
 */
public class NnvizException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message. */
    public NnvizException(String message) {
        super(message);
    }

    /** An exception with a message and a cause. */
    public NnvizException(String message, Throwable cause) {
        super(message, cause);
    }
}
