package io.nnviz.backend.tensorflow;

import org.tensorflow.Graph;
import org.tensorflow.Session;

import java.util.Objects;

/**
 * A TensorFlow graph with its session, and which of its operations are the model's input and
 * output: what nnviz needs to open a graph you built with the Ops API.
 *
 * <pre>{@code
 * try (Model m = NNViz.inspect(TfGraph.of(graph, session).input("images").output("logits"))) { ... }
 * }</pre>
 * The input is a placeholder (images NHWC, as TensorFlow takes them; nnviz feeds it from NCHW
 * tensors); the output is the op whose value is the model's prediction (logits, or the softmax
 * over them). The caller keeps owning the graph and session.
 *
 * @param graph  the graph
 * @param session a session on it, with variables initialised
 * @param input  name of the input placeholder operation
 * @param output name of the output operation
 */
public record TfGraph(Graph graph, Session session, String input, String output) {
    /** Validates the arguments. */
    public TfGraph {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(session, "session");
    }

    /** A graph and session whose input and output are still to be named. */
    public static TfGraph of(Graph graph, Session session) {
        return new TfGraph(graph, session, null, null);
    }

    /** This graph with the input placeholder named. */
    public TfGraph input(String op) {
        return new TfGraph(graph, session, Objects.requireNonNull(op, "op"), output);
    }

    /** This graph with the output operation named. */
    public TfGraph output(String op) {
        return new TfGraph(graph, session, input, Objects.requireNonNull(op, "op"));
    }
}
