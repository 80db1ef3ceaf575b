package io.nnviz.backend.tensorflow;

import io.nnviz.api.BackendException;
import io.nnviz.api.Capability;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.NnvizException;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TNumber;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gradients through TensorFlow's own gradients API ({@code Graph.addGradients}): of one unit of a
 * model's {@link Score} with respect to its input and each layer's output (saliency, Grad-CAM),
 * and of a training loss with respect to the weights (gradient histograms).
 *
 * <p>An instance is the first kind's subgraph, added to the graph once: a one-hot target
 * placeholder and the score (the target's unit, summed over the batch) under {@code nnviz/}, its
 * gradients under the prefix TensorFlow picks ({@code gradients/}). Ops TensorFlow's C++ gradient
 * registry lacks, which nnviz's flattened graphs contain, get gradients of their own first
 * ({@link #register}).
 */
final class TfGradients {
    private static volatile boolean registered;

    /** Where the one-hot target unit is fed. */
    private final Placeholder<?> target;
    /** d(score)/d(input and each layer's output), by layer id; a layer the score does not depend on has none. */
    private final Map<String, Output<?>> byLayer = new LinkedHashMap<>();
    /** The number of output units. */
    private final int units;

    @SuppressWarnings({"unchecked", "rawtypes"})
    private TfGradients(TfModel model) {
        Output<?> logits = model.score().output();
        Shape ls = logits.shape();
        if (ls.isUnknown() || ls.numDimensions() < 2 || ls.size(ls.numDimensions() - 1) < 1) {
            throw new UnsupportedCapabilityException(model.name(), Capability.INPUT_GRADIENT,
                    "the output '" + model.outputOp().name() + "' has no known number of units (shape " + ls + ")");
        }
        units = (int) ls.size(ls.numDimensions() - 1);
        Ops tf = Ops.create(model.graph()).withSubScope("nnviz");
        Class type = logits.type();
        target = tf.withName("target").placeholder(type, Placeholder.shape(Shape.of(units)));
        Operand prod = tf.math.mul((Operand) logits, (Operand) target);
        int rank = ls.numDimensions();
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = i;
        }
        Operand<?> score = tf.withName("score").reduceSum((Operand) prod, (Operand<? extends TNumber>) tf.constant(axes));
        Set<String> after = model.score().after();
        Map<String, TfLayer> groups = model.layerGroups();
        List<String> ids = new ArrayList<>(groups.keySet());
        ids.removeIf(id -> after.contains(groups.get(id).output.op().name()));
        Output<?>[] xs = new Output<?>[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            xs[i] = groups.get(ids.get(i)).output;
        }
        register();
        Output<?>[] dx = model.graph().addGradients(score.asOutput(), xs);
        for (int i = 0; i < ids.size(); i++) {
            if (dx[i] != null) {
                byLayer.put(ids.get(i), dx[i]);
            }
        }
    }

    /** Adds the score's gradient subgraph to {@code model}'s graph; call once per graph (the ops' names are fixed). */
    static TfGradients build(TfModel model) {
        try {
            return new TfGradients(model);
        } catch (NnvizException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BackendException("TensorFlow could not build gradients for model '" + model.name() + "': " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code model} (this subgraph's, or a copy of it with other weights) on {@code input} for
     * the gradient of unit {@code target}, returning an [activation, gradient] pair per layer asked,
     * both in canonical layout.
     */
    Map<String, Tensor[]> run(TfModel model, Tensor input, int target, List<String> ids) {
        if (target < 0 || target >= units) {
            throw new InvalidInputException("target " + target + " is not an output unit: the output has " + units
                    + " units (0.." + (units - 1) + ")");
        }
        float[] onehot = new float[units];
        onehot[target] = 1;
        String inputId = model.inputOp().name();
        Map<String, Tensor[]> out = new LinkedHashMap<>();
        try (org.tensorflow.Tensor x = model.feed(input);
             org.tensorflow.Tensor t = model.inputOp().output(0).dataType() == DataType.DT_DOUBLE
                     ? TfTensors.doubles(Tensor.of(onehot, units)) : TFloat32.vectorOf(onehot)) {
            Session.Runner r = model.runner().feed(model.inputOp().output(0), x).feed(this.target.asOutput(), t);
            List<String> fetched = new ArrayList<>();
            for (String id : ids) {
                Output<?> d = byLayer.get(id);
                if (d == null) {
                    throw new InvalidInputException("layer '" + id + "' of model '" + model.name() + "' has no gradient: it does not lead to the output");
                }
                r.fetch(d);
                fetched.add(id);
                if (!id.equals(inputId)) {
                    r.fetch(model.group(id).output);
                }
            }
            try (Result res = r.run()) {
                int k = 0;
                for (String id : fetched) {
                    Tensor grad = TfTensors.canonical(res.get(k++));
                    Tensor act = id.equals(inputId) ? input : TfTensors.canonical(res.get(k++));
                    out.put(id, new Tensor[] {act, grad});
                }
            }
        } catch (NnvizException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidInputException("TensorFlow could not compute gradients of model '" + model.name() + "' on input "
                    + input.shape() + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * d({@code loss})/d(each variable of {@code model}'s layers), added to the graph under
     * {@code nnviz_weight_gradients}; keyed {@code layer id + '\n' + weight name}, without the
     * variables the loss does not depend on. Constants have none.
     */
    static Map<String, Output<?>> ofWeights(TfModel model, Output<?> loss) {
        List<String> keys = new ArrayList<>();
        List<Output<?>> xs = new ArrayList<>();
        for (Map.Entry<String, TfLayer> e : model.layerGroups().entrySet()) {
            for (TfWeight w : e.getValue().weights) {
                if (w.variable()) {
                    keys.add(e.getKey() + "\n" + w.name());
                    xs.add(w.source().output(0));
                }
            }
        }
        Map<String, Output<?>> out = new LinkedHashMap<>();
        if (!xs.isEmpty()) {
            register();
            Output<?>[] dx = model.graph().addGradients("nnviz_weight_gradients", new Output<?>[] {loss},
                    xs.toArray(new Output<?>[0]), null);
            for (int i = 0; i < dx.length; i++) {
                if (dx[i] != null) {
                    out.put(keys.get(i), dx[i]);
                }
            }
        }
        return out;
    }

    /**
     * Registers, once per process and through TensorFlow Java's custom gradients, the gradients
     * TensorFlow's C++ registry lacks for ops nnviz's flattened graphs contain: {@code IdentityN}
     * (what an expanded function call with several results becomes) passes each gradient through.
     * Safe to call from any thread.
     */
    static void register() {
        if (registered) {
            return;
        }
        synchronized (TfGradients.class) {
            if (!registered) {
                TensorFlow.registerCustomGradient("IdentityN", (tf, op, gradients) -> {
                    List<Operand<?>> out = new ArrayList<>(gradients); // d(out_i)/d(in_i) is the identity
                    return out;
                });
                registered = true;
            }
        }
    }

    /**
     * What gradients differentiate in a graph: the logits where it ends in a softmax (behind any
     * Identity ops, as Keras exports put one), else the output itself; a softmax's gradient
     * vanishes as it saturates, the logits' does not.
     *
     * @param output the score tensor
     * @param after  the ops after it (the softmax and its Identity ops), which have no gradient of it
     */
    record Score(Output<?> output, Set<String> after) {
        /** The score of a graph whose output op is {@code out}: one walk back through Identity ops. */
        static Score of(GraphOperation out) {
            Set<String> passed = new HashSet<>();
            GraphOperation op = out;
            while (op.type().equals("Identity") && op.numInputs() == 1 && op.input(0).op() instanceof GraphOperation in) {
                passed.add(op.name());
                op = in;
            }
            if (op.type().equals("Softmax") || op.type().equals("LogSoftmax")) {
                passed.add(op.name());
                return new Score(op.input(0), Set.copyOf(passed));
            }
            return new Score(out.output(0), Set.of());
        }
    }
}
