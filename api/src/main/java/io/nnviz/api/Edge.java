package io.nnviz.api;

import java.util.Objects;

/**
 * A data-flow edge: the output of layer {@code from} feeds layer {@code to}.
 *
 * @param from id of the producing layer
 * @param to   id of the consuming layer
 */
public record Edge(String from, String to) {
    /** Validates the arguments. */
    public Edge {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
    }
}
