package io.nnviz.backend.tensorflow;

import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.OpDef;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The gradients a graph's own optimizer applies to each weight: the {@code grad} (or {@code delta})
 * input of the one dense apply op ({@code ApplyAdam}, {@code ResourceApplyGradientDescent}, ...)
 * that updates the weight's variable. A training step's run computes them anyway, so checking them
 * costs no second backpropagation. A variable that no apply op updates, or more than one does (two
 * optimizers, a GAN's alternating steps), has none here: fetching a gradient the step does not
 * compute would run backpropagation again.
 */
final class TfAppliedGradients {
    /** Dense apply ops only: a sparse one's gradient is a slice of rows, indexed. */
    private static final Pattern APPLY = Pattern.compile("(Resource)?Apply[A-Z]\\w*");

    private TfAppliedGradients() {
    }

    /** Per layer id, in layer order, the applied gradients of its variables; layers with none left out. */
    static Map<String, List<Output<?>>> byLayer(TfModel model) {
        Map<String, List<Output<?>>> out = new LinkedHashMap<>();
        for (Map.Entry<String, TfLayer> e : model.layerGroups().entrySet()) {
            for (TfWeight w : e.getValue().weights) {
                Output<?> g = w.variable() ? applied(w.source()) : null; // a constant: nothing updates it
                if (g != null) {
                    out.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(g);
                }
            }
        }
        return out;
    }

    private static Output<?> applied(GraphOperation variable) {
        Output<?> found = null;
        for (GraphOperation c : variable.consumers(0)) {
            Integer at = Registry.GRAD_INPUT.get(c.type());
            if (at == null || at >= c.numInputs() || !c.input(0).op().equals(variable)) {
                continue;
            }
            if (found != null) {
                return null; // updated by two apply ops: which one a step runs is the caller's
            }
            found = c.input(at);
        }
        return found;
    }

    /** Per apply op type, the index of its gradient input, read from TensorFlow's op registry when first needed. */
    private static final class Registry {
        static final Map<String, Integer> GRAD_INPUT = read();

        private static Map<String, Integer> read() {
            Map<String, Integer> made = new HashMap<>();
            for (OpDef op : TensorFlow.registeredOpList().getOpList()) {
                if (!APPLY.matcher(op.getName()).matches() || op.getInputArgCount() == 0 || !op.getInputArg(0).getName().equals("var")) {
                    continue;
                }
                for (int i = 0; i < op.getInputArgCount(); i++) {
                    OpDef.ArgDef a = op.getInputArg(i);
                    boolean single = a.getNumberAttr().isEmpty() && a.getTypeListAttr().isEmpty();
                    if (single && (a.getName().equals("grad") || a.getName().equals("delta"))) {
                        made.put(op.getName(), i);
                        break;
                    }
                }
            }
            return Map.copyOf(made);
        }
    }
}
