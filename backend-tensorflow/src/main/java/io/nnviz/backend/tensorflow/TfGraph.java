package io.nnviz.backend.tensorflow;

import io.nnviz.api.InvalidInputException;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Session;
import org.tensorflow.proto.DataType;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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

    /**
     * A session's graph with its input and output guessed, for a training loop nobody named them
     * in: the output is the first op, in the order the graph was built, that depends on every
     * variable (the logits, built before the loss and the optimizer that also depend on them all);
     * the input the first floating-point placeholder it depends on. Name them yourself with
     * {@link #input} and {@link #output} where that guess is wrong.
     *
     * @throws InvalidInputException if the graph has no variables or no such op
     */
    public static TfGraph guess(Session session) {
        Graph g = Objects.requireNonNull(session, "session").graph();
        List<GraphOperation> ops = new ArrayList<>();
        g.operations().forEachRemaining(o -> ops.add((GraphOperation) o)); // in the order added: inputs before their consumers
        Map<String, Integer> variable = new HashMap<>(), placeholder = new HashMap<>();
        for (GraphOperation op : ops) {
            if (!op.name().startsWith("nnviz/") && Set.of("VariableV2", "Variable", "VarHandleOp").contains(op.type())) {
                variable.put(op.name(), variable.size());
            } else if (op.type().equals("Placeholder") && op.numOutputs() == 1 && isFloat(op.output(0).dataType())) {
                placeholder.put(op.name(), placeholder.size());
            }
        }
        // which ops depend on which placeholders and variables; a variable is the model's if the data flows through it
        // (a consumer that depends on a placeholder and is not an optimizer's, such as Adam's slots and beta powers)
        Map<String, BitSet> vars = new HashMap<>(), data = new HashMap<>();
        Map<String, Integer> reads = new HashMap<>(variable);
        BitSet model = new BitSet();
        for (GraphOperation op : ops) {
            BitSet v = new BitSet(), p = new BitSet();
            for (int i = 0; i < op.numInputs(); i++) {
                String src = op.input(i).op().name();
                v.or(vars.getOrDefault(src, new BitSet()));
                p.or(data.getOrDefault(src, new BitSet()));
            }
            variable.computeIfPresent(op.name(), (k, idx) -> {
                v.set(idx);
                return idx;
            });
            placeholder.computeIfPresent(op.name(), (k, idx) -> {
                p.set(idx);
                return idx;
            });
            vars.put(op.name(), v);
            data.put(op.name(), p);
            boolean read = op.type().equals("Identity") || op.type().equals("ReadVariableOp");
            for (int i = 0; i < op.numInputs(); i++) {
                Integer of = reads.get(op.input(i).op().name());
                if (of != null && read) {
                    reads.put(op.name(), of);
                } else if (of != null && !p.isEmpty() && !optimizerOp(op)) {
                    model.set(of);
                }
            }
        }
        if (model.isEmpty()) {
            throw new InvalidInputException("no variable of the session's graph takes part in a computation on a placeholder; name its "
                    + "input and output: TfGraph.of(graph, session).input(\"x\").output(\"logits\")");
        }
        for (GraphOperation op : ops) {
            BitSet v = (BitSet) vars.get(op.name()).clone();
            v.and(model);
            BitSet p = data.get(op.name());
            if (v.equals(model) && !p.isEmpty() && op.numOutputs() > 0 && !optimizerOp(op) && isFloat(op.output(0).dataType())) {
                String in = placeholder.entrySet().stream().filter(e -> p.get(e.getValue())).min(Map.Entry.comparingByValue())
                        .orElseThrow().getKey();
                return new TfGraph(g, session, in, op.name());
            }
        }
        throw new InvalidInputException("no op of the session's graph depends on all its model variables and a float placeholder; "
                + "name its input and output: TfGraph.of(graph, session).input(\"x\").output(\"logits\")");
    }

    /** Gradient, optimizer and initialisation ops, and nnviz's own. */
    private static boolean optimizerOp(GraphOperation op) {
        String n = op.name(), t = op.type();
        return n.startsWith("gradients") || n.contains("/gradients") || n.startsWith("nnviz/") || n.startsWith("nnviz_")
                || t.contains("Apply") || t.startsWith("Assign") || t.equals("NoOp");
    }

    private static boolean isFloat(DataType t) {
        return t == DataType.DT_FLOAT || t == DataType.DT_DOUBLE || t == DataType.DT_HALF || t == DataType.DT_BFLOAT16;
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
