package io.nnviz.api;

/** A model was used after {@link ModelView#close()}. */
public class ModelClosedException extends NnvizException {
    private static final long serialVersionUID = 1L;

    /** An exception naming the model. */
    public ModelClosedException(String modelName) {
        super("model '" + modelName + "' is closed");
    }
}
