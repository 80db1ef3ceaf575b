package io.nnviz.api;

/**
 * An argument does not fit the model: an input tensor of the wrong shape, an unknown layer id, a
 * target index out of range, an input name the file lacks. The message names the model, the layer or
 * tensor and what was expected. Only the model can tell, so it is thrown when the argument meets the
 * model; a setting that is wrong whatever the model (a step count of 0, a negative budget) is an
 * {@link IllegalArgumentException} from the call that sets it (see {@link io.nnviz.api}).
 */
public class InvalidInputException extends NnvizException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message. */
    public InvalidInputException(String message) {
        super(message);
    }

    /** An exception with a message and the framework's own error as cause. */
    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
