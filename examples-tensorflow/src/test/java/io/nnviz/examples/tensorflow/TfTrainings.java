package io.nnviz.examples.tensorflow;

import io.nnviz.backend.tensorflow.TfGraph;
import io.nnviz.backend.tensorflow.TfTraining;
import io.nnviz.examples.Images;
import io.nnviz.examples.Task;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A dense classifier of Fashion-MNIST built in TensorFlow Java for the doctor's broken trainings:
 * layers {@code dense1..denseN} (MatMul, Add, then the activation) and {@code logits}, softmax
 * cross-entropy, and plain gradient descent whose gradients are this graph's own ops
 * ({@code grad_<variable>}), so a test reads the gradients TensorFlow applies. Trained through
 * {@link TfTraining#run}, the way that captures activations and gradients.
 */
final class TfTrainings implements AutoCloseable {
    static final int BATCH = 32;
    final Graph graph = new Graph();
    final Session session = new Session(graph);
    /** The activations' op names, one per hidden layer. */
    final List<String> activations = new ArrayList<>();
    /** The variables' names, in layer order (kernel, bias), and their gradients' op names. */
    final List<String> variables = new ArrayList<>(), gradients = new ArrayList<>();
    private final Ops tf = Ops.create(graph);
    private final Random init = new Random(42);

    /**
     * {@code widths} hidden layers of {@code activation} ({@code tf.nn::relu} or {@code tf.math::sigmoid}),
     * Glorot-initialised kernels and biases of {@code bias}, trained at {@code lr}.
     */
    TfTrainings(BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> activation, float bias, float lr, int... widths) {
        this(activation, bias, lr, Set.of(), widths);
    }

    /** The same, the layers named in {@code frozen} left out of the updates (their gradients still computed). */
    TfTrainings(BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> activation, float bias, float lr, Set<String> frozen, int... widths) {
        Operand<TFloat32> h = tf.withName("pixels").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 784)));
        List<Variable<TFloat32>> vars = new ArrayList<>();
        int in = 784;
        for (int i = 0; i < widths.length; i++) {
            String name = "dense" + (i + 1);
            Ops scope = tf.withSubScope(name);
            Operand<TFloat32> z = dense(scope, name, h, in, widths[i], bias, vars);
            h = activation.apply(scope, z);
            activations.add(h.op().name());
            in = widths[i];
        }
        Operand<TFloat32> logits = dense(tf.withSubScope("logits"), "logits", h, in, 10, 0, vars);
        Operand<TFloat32> y = tf.withName("labels").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 10)));
        Operand<TFloat32> loss = tf.withName("loss").math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, y).loss(), tf.constant(0));
        Gradients g = tf.gradients(loss, vars);
        List<Op> updates = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            Operand<TFloat32> d = tf.withName("grad_" + variables.get(i)).identity((Operand) g.dy(i));
            gradients.add(d.op().name());
            String layer = variables.get(i).substring(0, variables.get(i).lastIndexOf('_'));
            if (!frozen.contains(layer)) {
                updates.add(tf.train.applyGradientDescent(vars.get(i), tf.constant(lr), d));
            }
        }
        tf.withControlDependencies(updates).withName("train").noOp();
        session.initialize();
    }

    private Operand<TFloat32> dense(Ops scope, String name, Operand<TFloat32> x, int in, int out, float bias, List<Variable<TFloat32>> vars) {
        float[] k = new float[in * out];
        double limit = Math.sqrt(6.0 / (in + out));
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) ((init.nextDouble() * 2 - 1) * limit);
        }
        float[] b = new float[out];
        Arrays.fill(b, bias);
        Variable<TFloat32> kernel = tf.withName(name + "_kernel").variable(tf.constant(Shape.of(in, out), DataBuffers.of(k, true, false)));
        Variable<TFloat32> biases = tf.withName(name + "_bias").variable(tf.constant(Shape.of(out), DataBuffers.of(b, true, false)));
        vars.add(kernel);
        vars.add(biases);
        variables.add(name + "_kernel");
        variables.add(name + "_bias");
        return scope.math.add(scope.linalg.matMul(x, kernel), biases);
    }

    /** This network as nnviz opens it. */
    TfGraph handle() {
        return TfGraph.of(graph, session).input("pixels").output("logits/Add");
    }

    /** Trains {@code steps} batches of {@code d} through {@code training.run}, one-hot labels. */
    void fit(TfTraining training, Images d, int steps) {
        fit(training, d, steps, List.of());
    }

    /** The same, each step's runner also fetching {@code also}: their values at each step, in order. */
    List<List<float[]>> fit(TfTraining training, Images d, int steps, List<String> also) {
        float[] targets = Task.mlp.targets(d, 0, steps * BATCH);
        List<List<float[]>> seen = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            try (TFloat32 x = TfExamples.inputs(Task.mlp, d, s * BATCH, BATCH);
                 TFloat32 t = TFloat32.tensorOf(Shape.of(BATCH, 10),
                         DataBuffers.of(Arrays.copyOfRange(targets, s * BATCH * 10, (s + 1) * BATCH * 10), true, false))) {
                Session.Runner runner = session.runner().feed("pixels", x).feed("labels", t).addTarget("train");
                also.forEach(runner::fetch);
                try (Result r = training.run(runner)) {
                    seen.add(floats(r, also.size()));
                }
            }
        }
        return seen;
    }

    private static List<float[]> floats(Result r, int n) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TFloat32 v = (TFloat32) r.get(i);
            float[] a = new float[(int) v.size()];
            v.copyTo(DataBuffers.of(a, false, false));
            out.add(a);
        }
        return out;
    }

    /** The values of {@code ops} on the first batch of {@code d}, as TensorFlow computes them now. */
    List<float[]> values(Images d, List<String> ops) {
        try (TFloat32 x = TfExamples.inputs(Task.mlp, d, 0, BATCH);
             TFloat32 t = TFloat32.tensorOf(Shape.of(BATCH, 10), DataBuffers.of(Task.mlp.targets(d, 0, BATCH), true, false))) {
            Session.Runner runner = session.runner().feed("pixels", x).feed("labels", t);
            ops.forEach(runner::fetch);
            try (Result r = runner.run()) {
                return floats(r, ops.size());
            }
        }
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
