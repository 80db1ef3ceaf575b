package io.nnviz.examples.tensorflow;

import io.nnviz.backend.tensorflow.TfGraph;
import io.nnviz.examples.Task;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Stack;
import org.tensorflow.op.core.Unstack;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The examples' networks, written with TensorFlow Java's Ops API as a user would: one name scope
 * per layer ({@code conv1/Conv2D}, {@code conv1/BiasAdd}, {@code conv1/Relu}), variables at the
 * root ({@code conv1_kernel}: TF Java's Adam cannot name its slots for variables inside scopes),
 * softmax cross-entropy on one-hot labels ({@code SparseSoftmaxCrossEntropyWithLogits} has no
 * gradient in TF Java) or a mean squared error, and Adam at 1e-3. The same sizes as the DL4J and
 * DJL examples.
 */
public final class TfNetworks implements AutoCloseable {
    /** The graph and its session (one intra-op thread). */
    public final Graph graph = new Graph();
    public final Session session = new Session(graph,
            ConfigProto.newBuilder().setIntraOpParallelismThreads(1).setInterOpParallelismThreads(1).build());
    /** Op names: the input placeholder, the model's output, the scalar loss, the training target, the labels placeholder. */
    public final String input, output, loss = "loss", train = "train", labels = "labels";

    private final Ops tf = Ops.create(graph);
    private final Random init = new Random(42);

    /** A network for {@code task}; the CNN with {@code c1} and {@code c2} filters and {@code fc} hidden units. */
    private TfNetworks(Task task, int c1, int c2, int fc, float learningRate) {
        Operand<TFloat32> out = switch (task) {
            case cnn -> {
                Operand<TFloat32> h = pool(conv(input("images", -1, Task.SIDE, Task.SIDE, 1), "conv1", 1, c1), "pool1");
                h = pool(conv(h, "conv2", c1, c2), "pool2");
                h = tf.withSubScope("flatten").reshape(h, tf.constant(new int[] {-1, 16 * c2}));
                yield dense(dense(h, "fc1", 16 * c2, fc, true), "logits", fc, 10, false);
            }
            case mlp -> dense(dense(dense(input("pixels", -1, 784), "hidden1", 784, 128, true), "hidden2", 128, 64, true),
                    "logits", 64, 10, false);
            case regressor -> dense(dense(dense(input("top_half", -1, 392), "hidden1", 392, 64, true), "hidden2", 64, 32, true),
                    "prediction", 32, 1, false);
            case lstm -> dense(lstm(input("rows", -1, Task.SIDE, Task.SIDE), 64), "logits", 64, 10, false);
        };
        this.input = switch (task) {
            case cnn -> "images";
            case mlp -> "pixels";
            case regressor -> "top_half";
            case lstm -> "rows";
        };
        this.output = out.op().name();
        Placeholder<TFloat32> y = tf.withName(labels).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, task.outputs())));
        Operand<TFloat32> perSample = task.classifier() ? tf.nn.softmaxCrossEntropyWithLogits(out, y).loss()
                : tf.reshape(tf.math.squaredDifference(out, y), tf.constant(new int[] {-1}));
        new Adam(graph, learningRate).minimize(tf.withName(loss).math.mean(perSample, tf.constant(0)), train);
        session.initialize();
    }

    /** The network of an example task (the CNN with 16 and 32 filters and 128 hidden units). */
    public static TfNetworks of(Task task) {
        return of(task, 1e-3f);
    }

    /** The network of an example task trained by Adam at {@code learningRate} instead of 1e-3 (the doctor's broken trainings). */
    public static TfNetworks of(Task task, float learningRate) {
        return new TfNetworks(task, 16, 32, 128, learningRate);
    }

    /** The CNN at LeNet's size (20 and 50 filters, 500 hidden units), for the hook-overhead harness. */
    public static TfNetworks lenet() {
        return new TfNetworks(Task.cnn, 20, 50, 500, 1e-3f);
    }

    /** This network as nnviz opens it: its graph, session, input and output. */
    public TfGraph handle() {
        return TfGraph.of(graph, session).input(input).output(output);
    }

    private Placeholder<TFloat32> input(String name, long... shape) {
        return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
    }

    /** A variable at the root, He-initialised for {@code fanIn} inputs. */
    private Variable<TFloat32> variable(String name, int fanIn, long... shape) {
        int n = (int) Shape.of(shape).size();
        float[] v = new float[n];
        double std = fanIn > 0 ? Math.sqrt(2.0 / fanIn) : 0;
        for (int i = 0; i < n; i++) {
            v[i] = fanIn > 0 ? (float) (init.nextGaussian() * std) : 0.01f;
        }
        return tf.withName(name).variable(tf.constant(Shape.of(shape), DataBuffers.of(v, true, false)));
    }

    private Operand<TFloat32> conv(Operand<TFloat32> x, String name, int in, int out) {
        Variable<TFloat32> kernel = variable(name + "_kernel", 25 * in, 5, 5, in, out), bias = variable(name + "_bias", 0, out);
        Ops scope = tf.withSubScope(name);
        return scope.nn.relu(scope.nn.biasAdd(scope.nn.conv2d(x, kernel, List.of(1L, 1L, 1L, 1L), "VALID"), bias));
    }

    private Operand<TFloat32> pool(Operand<TFloat32> x, String name) {
        return tf.withSubScope(name).nn.maxPool(x, tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID");
    }

    private Operand<TFloat32> dense(Operand<TFloat32> x, String name, int in, int out, boolean relu) {
        Variable<TFloat32> kernel = variable(name + "_kernel", in, in, out), bias = variable(name + "_bias", 0, out);
        Ops scope = tf.withSubScope(name);
        Operand<TFloat32> z = scope.math.add(scope.linalg.matMul(x, kernel), bias);
        return relu ? scope.nn.relu(z) : z;
    }

    /**
     * An LSTM unrolled over the image's rows from plain ops in scope {@code lstm}, whose
     * {@code lstm/states} is the whole sequence of hidden states {@code [N, T, units]} (what the
     * report's hidden-state heatmap shows); scope {@code last} takes the final state.
     */
    private Operand<TFloat32> lstm(Operand<TFloat32> rows, int units) {
        int steps = Task.SIDE, in = Task.SIDE;
        Variable<TFloat32> wx = variable("lstm_input_kernel", in, in, 4L * units);
        Variable<TFloat32> wh = variable("lstm_recurrent_kernel", units, units, 4L * units);
        Variable<TFloat32> b = variable("lstm_bias", 0, 4L * units);
        Ops s = tf.withSubScope("lstm");
        List<Output<TFloat32>> xs = s.unstack(rows, (long) steps, Unstack.axis(1L)).output();
        Operand<TFloat32> h = null, c = null;
        List<Operand<TFloat32>> states = new ArrayList<>();
        for (int t = 0; t < steps; t++) {
            Operand<TFloat32> z = s.math.add(s.linalg.matMul(xs.get(t), wx), b);
            if (h != null) {
                z = s.math.add(z, s.linalg.matMul(h, wh));
            }
            List<Output<TFloat32>> gates = s.split(s.constant(1), z, 4L).output(); // input, forget, cell, output
            Operand<TFloat32> cell = s.math.mul(s.math.sigmoid(gates.get(0)), s.math.tanh(gates.get(2)));
            c = c == null ? cell : s.math.add(s.math.mul(s.math.sigmoid(gates.get(1)), c), cell);
            h = s.math.mul(s.math.sigmoid(gates.get(3)), s.math.tanh(c));
            states.add(h);
        }
        Operand<TFloat32> all = s.withName("states").stack(states, Stack.axis(1L));
        Ops last = tf.withSubScope("last");
        return last.reshape(last.slice(all, last.constant(new int[] {0, steps - 1, 0}), last.constant(new int[] {-1, 1, -1})),
                last.constant(new int[] {-1, units}));
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
