package io.nnviz.backend.tensorflow;

import io.nnviz.testkit.FashionMnist;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

import java.util.List;
import java.util.Random;

/**
 * Real TensorFlow networks built with the Ops API, trained on Fashion-MNIST: a CNN, MLPs and an
 * LSTM unrolled from ops. Variables live at the root ({@code conv1_kernel}: TF Java's Adam cannot
 * name slots for variables inside scopes), ops in one name scope per layer.
 */
public final class TfNets implements AutoCloseable {
    public static final int BATCH = 32;

    public final Graph graph = new Graph();
    public Session session;
    final Ops tf = Ops.create(graph);
    public String input, output, loss, train, labels;
    private final Random rnd = new Random(42);
    private final List<String> variables = new java.util.ArrayList<>();

    private final int c1 = 8, c2 = 16, fc = 32;
    /** MLP hidden sizes, regressor hidden size(s), LSTM units. */
    private int[] hidden = {48, 24};
    private int units = 20;
    private boolean sequence;

    private TfNets(String kind) {
        init(kind);
    }

    private TfNets(String kind, int[] hidden, int units, boolean sequence) {
        this.hidden = hidden;
        this.units = units;
        this.sequence = sequence;
        init(kind);
    }

    private void init(String kind) {
        ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(1).setInterOpParallelismThreads(1).build();
        session = new Session(graph, config);
        labels = "labels";
        switch (kind) {
            case "cnn" -> {
                Placeholder<TFloat32> x = tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
                Operand<TFloat32> h = conv(x, "conv1", 1, c1);
                h = tf.withSubScope("pool1").nn.maxPool(h, tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID");
                h = conv(h, "conv2", c1, c2);
                h = tf.withSubScope("pool2").nn.maxPool(h, tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID");
                h = tf.withSubScope("flatten").reshape(h, tf.constant(new int[] {-1, 4 * 4 * c2}));
                h = dense(h, "fc1", 16 * c2, fc, true);
                Operand<TFloat32> logits = dense(h, "logits", fc, 10, false);
                classification(logits);
                input = "images";
                output = logits.op().name();
            }
            case "gap" -> { // global average pooling head: the last conv keeps its 8 x 8 layout up to the pooling
                Placeholder<TFloat32> x = tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
                Operand<TFloat32> h = conv(x, "conv1", 1, 16);
                h = tf.withSubScope("pool1").nn.maxPool(h, tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID");
                h = conv(h, "conv2", 16, 32);
                h = tf.withSubScope("gap").math.mean(h, tf.constant(new int[] {1, 2}));
                Operand<TFloat32> logits = dense(h, "logits", 32, 10, false);
                classification(logits);
                input = "images";
                output = logits.op().name();
            }
            case "mlp" -> {
                Placeholder<TFloat32> x = tf.withName("pixels").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 784)));
                Operand<TFloat32> h = dense(x, "hidden1", 784, hidden[0], true);
                h = dense(h, "hidden2", hidden[0], hidden[1], true);
                Operand<TFloat32> logits = dense(h, "logits", hidden[1], 10, false);
                classification(logits);
                input = "pixels";
                output = logits.op().name();
            }
            case "regressor" -> {
                Placeholder<TFloat32> x = tf.withName("top_half").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 392)));
                Operand<TFloat32> h = x;
                int width = 392;
                for (int i = 0; i < hidden.length; i++) {
                    h = dense(h, hidden.length == 1 ? "hidden" : "hidden" + (i + 1), width, hidden[i], true);
                    width = hidden[i];
                }
                Operand<TFloat32> y = dense(h, "prediction", width, 1, false);
                Placeholder<TFloat32> target = tf.withName(labels).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 1)));
                Operand<TFloat32> l = tf.withName("loss").math.mean(tf.math.squaredDifference(y, target), tf.constant(new int[] {0, 1}));
                new Adam(graph, 1e-3f).minimize(l, "train");
                input = "top_half";
                output = y.op().name();
            }
            case "lstm" -> {
                Placeholder<TFloat32> x = tf.withName("rows").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28)));
                Operand<TFloat32> h = lstm(x, 28, 28, units);
                Operand<TFloat32> logits = dense(h, "logits", units, 10, false);
                classification(logits);
                input = "rows";
                output = logits.op().name();
            }
            default -> throw new IllegalArgumentException(kind);
        }
        loss = "loss";
        train = "train";
        session.initialize();
    }

    public static TfNets cnn() {
        return new TfNets("cnn");
    }

    /** A CNN with a global-average-pooling head, as modern classifiers have. */
    static TfNets gapCnn() {
        return new TfNets("gap");
    }

    static TfNets mlp() {
        return new TfNets("mlp");
    }

    static TfNets regressor() {
        return new TfNets("regressor", new int[] {32}, 0, false);
    }

    static TfNets lstm() {
        return new TfNets("lstm");
    }

    public TfGraph handle() {
        return TfGraph.of(graph, session).input(input).output(output);
    }

    private Variable<TFloat32> weight(String name, float std, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * std);
        }
        variables.add(name);
        return tf.withName(name).variable(tf.constant(Shape.of(shape), DataBuffers.of(v, true, false)));
    }

    private Operand<TFloat32> conv(Operand<TFloat32> x, String name, int in, int out) {
        Variable<TFloat32> k = weight(name + "_kernel", (float) Math.sqrt(2.0 / (25 * in)), 5, 5, in, out);
        Variable<TFloat32> b = weight(name + "_bias", 0.01f, out);
        Ops s = tf.withSubScope(name);
        return s.nn.relu(s.nn.biasAdd(s.nn.conv2d(x, k, List.of(1L, 1L, 1L, 1L), "VALID"), b));
    }

    private Operand<TFloat32> dense(Operand<TFloat32> x, String name, int in, int out, boolean relu) {
        Variable<TFloat32> w = weight(name + "_kernel", (float) Math.sqrt(2.0 / in), in, out);
        Variable<TFloat32> b = weight(name + "_bias", 0.01f, out);
        Ops s = tf.withSubScope(name);
        Operand<TFloat32> z = s.math.add(s.linalg.matMul(x, w), b);
        return relu ? s.nn.relu(z) : z;
    }

    /** An LSTM unrolled over {@code steps} time steps from plain ops; returns the last hidden state. */
    private Operand<TFloat32> lstm(Operand<TFloat32> x, int steps, int in, int units) {
        Variable<TFloat32> wx = weight("lstm_input_kernel", (float) Math.sqrt(1.0 / in), in, 4L * units);
        Variable<TFloat32> wh = weight("lstm_recurrent_kernel", (float) Math.sqrt(1.0 / units), units, 4L * units);
        Variable<TFloat32> b = weight("lstm_bias", 0.01f, 4L * units);
        Ops s = tf.withSubScope("lstm");
        List<org.tensorflow.Output<TFloat32>> xs = s.unstack(x, (long) steps, org.tensorflow.op.core.Unstack.axis(1L)).output();
        Operand<TFloat32> z0 = s.linalg.matMul(xs.get(0), wx);
        Operand<TFloat32> h = s.zerosLike(s.slice(z0, s.constant(new int[] {0, 0}), s.constant(new int[] {-1, units})));
        Operand<TFloat32> c = h;
        List<Operand<TFloat32>> states = new java.util.ArrayList<>();
        for (int t = 0; t < steps; t++) {
            Operand<TFloat32> z = s.math.add(s.math.add(t == 0 ? z0 : s.linalg.matMul(xs.get(t), wx), s.linalg.matMul(h, wh)), b);
            List<org.tensorflow.Output<TFloat32>> gates = s.split(s.constant(1), z, 4L).output();
            Operand<TFloat32> i = s.math.sigmoid(gates.get(0)), f = s.math.sigmoid(gates.get(1));
            Operand<TFloat32> g = s.math.tanh(gates.get(2)), o = s.math.sigmoid(gates.get(3));
            c = s.math.add(s.math.mul(f, c), s.math.mul(i, g));
            h = s.math.mul(o, s.math.tanh(c));
            states.add(h);
        }
        if (!sequence) {
            return h;
        }
        Operand<TFloat32> all = s.withName("states").stack(states, org.tensorflow.op.core.Stack.axis(1L)); // [N, T, units]
        Ops last = tf.withSubScope("last");
        return last.reshape(last.slice(all, last.constant(new int[] {0, steps - 1, 0}), last.constant(new int[] {-1, 1, -1})),
                last.constant(new int[] {-1, units}));
    }

    private void classification(Operand<TFloat32> logits) {
        Placeholder<TFloat32> y = tf.withName(labels).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 10)));
        Operand<TFloat32> ce = tf.nn.softmaxCrossEntropyWithLogits(logits, y).loss();
        Operand<TFloat32> l = tf.withName("loss").math.mean(ce, tf.constant(0));
        new Adam(graph, 1e-3f).minimize(l, "train");
    }

    static FashionMnist data() {
        return FashionMnist.trainCached(1024);
    }

    /** Features of batch {@code i} in this network's input layout (images NHWC, rows [N, 28, 28], flat, top half). */
    public TFloat32 features(int i) {
        int from = (i * BATCH) % (data().size() - BATCH);
        float[] px = data().batch(from, from + BATCH);
        return switch (input) {
            case "images" -> TFloat32.tensorOf(Shape.of(BATCH, 28, 28, 1), DataBuffers.of(px, true, false));
            case "rows" -> TFloat32.tensorOf(Shape.of(BATCH, 28, 28), DataBuffers.of(px, true, false));
            case "pixels" -> TFloat32.tensorOf(Shape.of(BATCH, 784), DataBuffers.of(px, true, false));
            default -> {
                float[] top = new float[BATCH * 392];
                for (int n = 0; n < BATCH; n++) {
                    System.arraycopy(px, n * 784, top, n * 392, 392);
                }
                yield TFloat32.tensorOf(Shape.of(BATCH, 392), DataBuffers.of(top, true, false));
            }
        };
    }

    /** Labels of batch {@code i}: one-hot classes, or the lower half's mean brightness for the regressor. */
    public TFloat32 targets(int i) {
        int from = (i * BATCH) % (data().size() - BATCH);
        if (input.equals("top_half")) {
            float[] px = data().batch(from, from + BATCH);
            float[] y = new float[BATCH];
            for (int n = 0; n < BATCH; n++) {
                double s = 0;
                for (int p = 392; p < 784; p++) {
                    s += px[n * 784 + p];
                }
                y[n] = (float) (s / 392);
            }
            return TFloat32.tensorOf(Shape.of(BATCH, 1), DataBuffers.of(y, true, false));
        }
        return TFloat32.tensorOf(Shape.of(BATCH, 10), DataBuffers.of(data().oneHot(from, from + BATCH), true, false));
    }

    /** One plain training step (no hooks). */
    public void fit(int i) {
        try (TFloat32 x = features(i); TFloat32 y = targets(i)) {
            session.runner().feed(input, x).feed(labels, y).addTarget(train).run().close();
        }
    }

    /** Sum of the model's variables' sizes as TensorFlow reports their shapes (optimizer slots excluded). */
    long variableCount() {
        long n = 0;
        for (String name : variables) {
            n += graph.operation(name).output(0).shape().size();
        }
        return n;
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
