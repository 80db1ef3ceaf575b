package io.nnviz.api;

/** What a {@link Model} can compute besides describing itself. */
public enum Capability {
    /** {@link Model#activations(Tensor, java.util.Collection)} works. */
    ACTIVATIONS,
    /** {@link Model#inputGradient(Tensor, int)} works (saliency). */
    INPUT_GRADIENT,
    /** {@link Model#layerGradient(Tensor, String, int)} works (Grad-CAM). */
    LAYER_GRADIENT,
    /** {@link Model#weights(String)} returns values (some formats expose structure only). */
    WEIGHTS,
    /**
     * {@link Model#withShuffledWeights(java.util.Collection, long)} works: a copy of the model with
     * some layers' weights randomised, for the model randomisation sanity check of attribution maps.
     */
    WEIGHT_RANDOMIZATION
}
