package com.example;

import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.backend.tensorflow.TfGraph;
import io.nnviz.backend.tensorflow.TfTraining;
import io.nnviz.recording.Recorder;
import io.nnviz.renderers.report.HtmlReport;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains a small CNN on Fashion-MNIST with TensorFlow Java, with nnviz attached, and writes its
 * report. TensorFlow Java has no trainer: the loop is yours, and hands each step's loss to nnviz.
 */
public final class QuickStart {
    public static void main(String[] args) throws Exception {
        FashionMnist train = FashionMnist.load("train"), test = FashionMnist.load("t10k");
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
            Ops tf = Ops.create(graph);
            Random init = new Random(1);
            Placeholder<TFloat32> images = tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
            Placeholder<TFloat32> labels = tf.withName("labels").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 10)));
            Ops conv1 = tf.withSubScope("conv1");                        // one name scope per layer: one box in the diagram
            Operand<TFloat32> h = conv1.nn.relu(conv1.nn.biasAdd(conv1.nn.conv2d(images,
                    weights(tf, "conv1_kernel", init, 25, 5, 5, 1, 8), List.of(1L, 1L, 1L, 1L), "VALID"), weights(tf, "conv1_bias", init, 0, 8)));
            Ops pool1 = tf.withSubScope("pool1");
            h = pool1.nn.maxPool(h, pool1.constant(new int[] {1, 2, 2, 1}), pool1.constant(new int[] {1, 2, 2, 1}), "VALID");
            h = tf.withSubScope("flatten").reshape(h, tf.constant(new int[] {-1, 12 * 12 * 8}));
            Ops fc1 = tf.withSubScope("fc1");
            h = fc1.nn.relu(fc1.math.add(fc1.linalg.matMul(h, weights(tf, "fc1_kernel", init, 1152, 1152, 64)),
                    weights(tf, "fc1_bias", init, 0, 64)));
            Ops out = tf.withSubScope("logits");
            Operand<TFloat32> logits = out.math.add(out.linalg.matMul(h, weights(tf, "logits_kernel", init, 64, 64, 10)),
                    weights(tf, "logits_bias", init, 0, 10));
            Operand<TFloat32> loss = tf.withName("loss").math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, labels).loss(), tf.constant(0));
            new Adam(graph, 1e-3f).minimize(loss, "train");
            session.initialize();

            TfGraph network = TfGraph.of(graph, session).input("images").output(logits.op().name());
            try (ModelView model = NNViz.inspect(network)) {               // what the network is, the same on every framework
                for (LayerInfo l : model.layers()) {
                    System.out.printf("%-8s %-8s %-18s %,9d%n", l.name(), l.kind(), l.outputShape(), l.parameterCount());
                }
            }

            List<Map<String, TFloat32>> held = batches(test);
            try (Recorder rec = Recorder.builder()
                    .runsRoot(Path.of("runs")).name("quickstart-tensorflow") // runs/quickstart-tensorflow-<id>/: run.json, events, TensorBoard
                    .probes(Tensor.of(test.flat(0, 4), 4, 1, 28, 28))        // four test images followed through training (NCHW)
                    .classNames(FashionMnist.CLASSES)
                    .build()) {
                try (TfTraining training = TfTraining.attach(network, "loss", rec).validateOn(held)) {
                    List<Map<String, TFloat32>> batches = batches(train);
                    for (int epoch = 0; epoch < 3; epoch++) {                // 3 epochs of 30 batches
                        for (Map<String, TFloat32> b : batches) {
                            try (Result r = session.runner().feed(images, b.get("images")).feed(labels, b.get("labels"))
                                    .fetch(loss).addTarget("train").run()) {
                                training.stepEnd(((TFloat32) r.get(0)).getFloat());
                            }
                        }
                        training.epochEnd();                                 // evaluates the validation batches
                    }
                    batches.forEach(b -> b.values().forEach(TFloat32::close));
                }
                Path report = rec.addTo(HtmlReport.titled("Fashion-MNIST on TensorFlow Java")).write(Path.of("report"));
                System.out.println("report: " + report.toAbsolutePath());
            }
            held.forEach(b -> b.values().forEach(TFloat32::close));
        }
    }

    /** A variable of the given shape, He-initialised for {@code fanIn} inputs (0: zeros, for biases). */
    static Operand<TFloat32> weights(Ops tf, String name, Random init, int fanIn, long... shape) {
        float[] v = new float[(int) Shape.of(shape).size()];
        for (int i = 0; i < v.length && fanIn > 0; i++) {
            v[i] = (float) (init.nextGaussian() * Math.sqrt(2.0 / fanIn));
        }
        return tf.withName(name).variable(tf.constant(Shape.of(shape), DataBuffers.of(v, true, false)));
    }

    /** Batches of 100 as feeds: images NHWC [100, 28, 28, 1] and one-hot labels [100, 10]. */
    static List<Map<String, TFloat32>> batches(FashionMnist d) {
        List<Map<String, TFloat32>> out = new ArrayList<>();
        float[][] oneHot = d.oneHot();
        for (int from = 0; from + 100 <= d.size(); from += 100) {
            float[] y = new float[100 * 10];
            for (int i = 0; i < 100; i++) {
                System.arraycopy(oneHot[from + i], 0, y, i * 10, 10);
            }
            out.add(Map.of("images", TFloat32.tensorOf(Shape.of(100, 28, 28, 1), DataBuffers.of(d.flat(from, 100), true, false)),
                    "labels", TFloat32.tensorOf(Shape.of(100, 10), DataBuffers.of(y, true, false))));
        }
        return out;
    }
}
