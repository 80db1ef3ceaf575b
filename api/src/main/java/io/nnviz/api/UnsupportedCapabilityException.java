package io.nnviz.api;

/** A model was asked for something it cannot compute (see {@link ModelView#capabilities()}). */
public class UnsupportedCapabilityException extends NnvizException {
    private static final long serialVersionUID = 1L;

    /** An exception naming the model and the capability. */
    public UnsupportedCapabilityException(String modelName, Capability capability, String why) {
        super("model '" + modelName + "' does not support " + capability + ": " + why);
    }
}
