package io.nnviz.examples.spark;

import io.nnviz.backend.dl4j.Dl4jListener;
import io.nnviz.examples.Images;
import io.nnviz.recording.Recorder;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one Spark task does: trains one configuration of an MLP on Fashion-MNIST with DL4J, a
 * {@link Recorder} writing the run to the shared runs root and a {@link Dl4jListener} evaluating
 * the validation images each epoch, then evaluates the trained network itself with DL4J's own
 * {@code Evaluation}: the task's final metrics, returned to the driver.
 */
public final class SweepTask {
    private SweepTask() {
    }

    /** One configuration of the sweep. */
    public record Config(double learningRate, int hidden, int epochs, int trainImages, int validationImages) implements Serializable {
        /** The run's name. */
        public String name() {
            return "mlp-lr" + learningRate + "-h" + hidden;
        }
    }

    /** A task's own final metrics: DL4J's evaluation of the trained network on the validation images. */
    public record Result(String run, double learningRate, int hidden, double validationAccuracy, double validationLoss, long steps)
            implements Serializable {
    }

    /** Trains {@code c} into the runs root {@code root} (a path or a URI) and returns its final metrics. */
    public static Result train(String root, Config c) throws IOException {
        Images train = Images.load(false, c.trainImages()), test = Images.load(true, c.validationImages());
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(c.learningRate()))
                .weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().name("hidden").nOut(c.hidden()).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(784)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Map<String, Object> hp = new LinkedHashMap<>();
        hp.put("lr", c.learningRate());
        hp.put("hidden", c.hidden());
        hp.put("epochs", c.epochs());
        Recorder rec = Recorder.builder().name(c.name()).hyperparameters(hp).classNames(Images.CLASSES).runsRoot(root).build();
        DataSetIterator validation = iterator(test, 250);
        Dl4jListener nnviz = Dl4jListener.builder(rec).evaluate("validation", validation).build();
        net.addListeners(nnviz);
        try {
            net.fit(iterator(train, 64), c.epochs());
        } finally {
            nnviz.close();
            rec.close(); // every value in the runs root before the driver reads it
        }
        validation.reset();
        Evaluation eval = net.evaluate(validation);
        validation.reset();
        double loss = 0;
        int n = 0;
        while (validation.hasNext()) {
            DataSet b = validation.next();
            loss += net.score(b) * b.numExamples();
            n += b.numExamples();
        }
        return new Result(c.name(), c.learningRate(), c.hidden(), eval.accuracy(), loss / n, net.getIterationCount());
    }

    private static DataSetIterator iterator(Images d, int batch) {
        int n = d.size();
        float[] x = new float[n * 784], y = new float[n * 10];
        for (int i = 0; i < n; i++) {
            System.arraycopy(d.pixels()[i], 0, x, i * 784, 784);
            y[i * 10 + d.labels()[i]] = 1;
        }
        DataSet all = new DataSet(Nd4j.create(x, new long[] {n, 784}, 'c'), Nd4j.create(y, new long[] {n, 10}, 'c'));
        return new ListDataSetIterator<>(all.asList(), batch);
    }
}
