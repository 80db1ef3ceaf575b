package io.nnviz.backend.tensorflow;

import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** Real TensorFlow model files for tests elsewhere (the CLI's): a SavedModel and a frozen GraphDef, both of a small CNN. */
public final class TfFixtures {
    private TfFixtures() {
    }

    /** Exports {@link TfNets#cnn()} (untrained) as a SavedModel with a serving signature images -> logits. */
    public static void savedModel(Path dir) throws IOException {
        try (TfNets net = TfNets.cnn()) {
            export(net, dir);
        }
    }

    /** A corpus tfjs graph model (corpus/fetch.sh) as a TF2 SavedModel with a library function, as {@link TfjsGraphModels} makes it. */
    public static void corpusSavedModel(Path tfjsDir, Path dir) throws IOException {
        TfjsGraphModels.savedModel(TfjsGraphModels.parse(tfjsDir), dir, "__inference_" + tfjsDir.getFileName() + "_42");
    }

    /** A corpus tfjs graph model as a frozen GraphDef. */
    public static void corpusFrozen(Path tfjsDir, Path file) throws IOException {
        TfjsGraphModels.frozen(TfjsGraphModels.parse(tfjsDir), file);
    }

    /** Exports a network as a SavedModel whose serving signature maps its input to its logits. */
    public static void export(TfNets net, Path dir) throws IOException {
        Signature sig = Signature.builder().key(Signature.DEFAULT_KEY).input(net.input, net.graph.operation(net.input).output(0))
                .output("logits", net.graph.operation(net.output).output(0)).build();
        SavedModelBundle.exporter(dir.toString()).withFunction(SessionFunction.create(sig, net.session)).export();
    }

    /** Writes a frozen CNN (conv 5x5x8, max pool, dense 10; weights as constants) as a GraphDef. */
    public static void frozenCnn(Path file) throws IOException {
        Random rnd = new Random(3);
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            var x = tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
            var k = tf.withName("conv1_kernel").constant(Shape.of(5, 5, 1, 8), DataBuffers.of(gaussian(rnd, 200, 0.3f), true, false));
            var b = tf.withName("conv1_bias").constant(gaussian(rnd, 8, 0.01f));
            Ops c = tf.withSubScope("conv1");
            var h = c.nn.relu(c.nn.biasAdd(c.nn.conv2d(x, k, List.of(1L, 1L, 1L, 1L), "VALID"), b));
            Ops p = tf.withSubScope("pool1");
            var pooled = p.nn.maxPool(h, p.constant(new int[] {1, 2, 2, 1}), p.constant(new int[] {1, 2, 2, 1}), "VALID");
            var flat = tf.withSubScope("flatten").reshape(pooled, tf.constant(new int[] {-1, 12 * 12 * 8}));
            var w = tf.withName("logits_kernel").constant(Shape.of(12 * 12 * 8, 10), DataBuffers.of(gaussian(rnd, 1152 * 10, 0.05f), true, false));
            var bias = tf.withName("logits_bias").constant(new float[10]);
            Ops d = tf.withSubScope("logits");
            d.math.add(d.linalg.matMul(flat, w), bias);
            Files.write(file, g.toGraphDef().toByteArray());
        }
    }

    private static float[] gaussian(Random rnd, int n, float std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * std);
        }
        return v;
    }
}
