package io.nnviz.backend.tensorflow;

import org.tensorflow.GraphOperation;
import org.tensorflow.Output;

import java.util.HashSet;
import java.util.Set;

/**
 * What gradients differentiate in a graph: the logits where it ends in a softmax (behind any
 * Identity ops, as Keras exports put one), else the output itself; a softmax's gradient vanishes as
 * it saturates, the logits' does not.
 *
 * @param output the score tensor
 * @param after  the ops after it (the softmax and its Identity ops), which have no gradient of it
 */
record TfScore(Output<?> output, Set<String> after) {
    /** The score of a graph whose output op is {@code out}: one walk back through Identity ops. */
    static TfScore of(GraphOperation out) {
        Set<String> passed = new HashSet<>();
        GraphOperation op = out;
        while (op.type().equals("Identity") && op.numInputs() == 1 && op.input(0).op() instanceof GraphOperation in) {
            passed.add(op.name());
            op = in;
        }
        if (op.type().equals("Softmax") || op.type().equals("LogSoftmax")) {
            passed.add(op.name());
            return new TfScore(op.input(0), Set.copyOf(passed));
        }
        return new TfScore(out.output(0), Set.of());
    }
}
