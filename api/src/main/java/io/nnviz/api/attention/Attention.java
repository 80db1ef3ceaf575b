package io.nnviz.api.attention;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.Tensor;

import java.util.List;
import java.util.Objects;

/**
 * The attention probabilities of a transformer for one input: for each attention layer and head,
 * a {@code [T, T]} matrix whose row i says how query token i spreads its attention over the keys
 * (each row sums to 1).
 *
 * @param layerIds the attention layers (the softmax of each block), in the model's order
 * @param tokens   the tokens, one per position (or their positions as text where none were given)
 * @param weights  {@code [layers, heads, T, T]}
 */
public record Attention(List<String> layerIds, List<String> tokens, Tensor weights) {
    /** Validates the arguments. */
    public Attention {
        layerIds = List.copyOf(layerIds);
        tokens = List.copyOf(tokens);
        Objects.requireNonNull(weights, "weights");
        if (weights.rank() != 4 || weights.shape().dim(0) != layerIds.size() || weights.shape().dim(2) != weights.shape().dim(3)
                || weights.shape().dim(2) != tokens.size()) {
            throw new InvalidInputException("attention of " + layerIds.size() + " layers and " + tokens.size() + " tokens cannot have shape "
                    + weights.shape());
        }
    }

    /** The number of layers. */
    public int layers() {
        return weights.shape().dim(0);
    }

    /** The number of heads per layer. */
    public int heads() {
        return weights.shape().dim(1);
    }

    /** The sequence length T. */
    public int length() {
        return weights.shape().dim(2);
    }

    /** One head's matrix {@code [T, T]}: rows are queries, columns keys. */
    public Tensor head(int layer, int head) {
        if (layer < 0 || layer >= layers() || head < 0 || head >= heads()) {
            throw new InvalidInputException("no head " + head + " of layer " + layer + ": " + layers() + " layers of " + heads() + " heads");
        }
        return weights.slice(layer).slice(head);
    }
}
