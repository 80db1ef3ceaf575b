package io.nnviz.api;

/** What a {@link ModelView} can compute besides describing itself. */
public enum Capability {
    /** {@link ModelView#activations(Tensor, java.util.Collection)} works. */
    ACTIVATIONS,
    /** {@link ModelView#inputGradient(Tensor, int)} works (saliency). */
    INPUT_GRADIENT,
    /** {@link ModelView#layerGradient(Tensor, String, int)} works (Grad-CAM). */
    LAYER_GRADIENT,
    /** {@link ModelView#weights(String)} returns values (some formats expose structure only). */
    WEIGHTS,
    /**
     * {@link ModelView#withShuffledWeights(java.util.Collection, long)} works: a copy of the model with
     * some layers' weights randomised, for the model randomisation sanity check of attribution maps.
     */
    WEIGHT_RANDOMIZATION
}
