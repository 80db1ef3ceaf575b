package io.nnviz.examples.doctor;

import io.nnviz.NNViz;
import io.nnviz.api.hook.Attachment;
import io.nnviz.examples.Images;
import io.nnviz.examples.Task;
import io.nnviz.recording.Recorder;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Real DL4J trainings on Fashion-MNIST for the doctor's tests: the examples' networks as they are,
 * and networks broken on purpose, trained with a Recorder attached the way users attach it.
 */
final class Dl4jTrainings {
    static final int BATCH = 32;

    private Dl4jTrainings() {
    }

    /** {@code n} images from {@code from} as DL4J batches of {@link #BATCH}, labels shuffled among them if asked (a fixed seed). */
    static List<DataSet> batches(Images d, Task task, int from, int n, boolean shuffleLabels) {
        float[] targets = task.targets(d, from, n);
        if (shuffleLabels) {
            Random r = new Random(7);
            int k = task.outputs();
            for (int i = n - 1; i > 0; i--) { // Fisher-Yates over the rows of one-hot labels
                int j = r.nextInt(i + 1);
                for (int c = 0; c < k; c++) {
                    float t = targets[i * k + c];
                    targets[i * k + c] = targets[j * k + c];
                    targets[j * k + c] = t;
                }
            }
        }
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b + BATCH <= n; b += BATCH) {
            float[] x = task.inputs(d, from + b, BATCH), y = new float[BATCH * task.outputs()];
            System.arraycopy(targets, b * task.outputs(), y, 0, y.length);
            out.add(new DataSet(Nd4j.create(x, new long[] {BATCH, task.features()}, 'c'),
                    Nd4j.create(y, new long[] {BATCH, task.outputs()}, 'c')));
        }
        return out;
    }

    /** One data set of all of {@code batches}, for validation. */
    static DataSet merged(List<DataSet> batches) {
        return DataSet.merge(batches);
    }

    /**
     * Trains {@code net} on {@code train} for {@code epochs} with {@code rec} attached through
     * {@code NNViz.attach} (validated on {@code validation} if not null), and closes the attachment.
     */
    static void fit(MultiLayerNetwork net, List<DataSet> train, int epochs, Recorder rec, DataSet validation) {
        try (Attachment a = NNViz.attach(net, rec)) {
            if (validation != null) {
                a.validateOn(validation);
            }
            net.fit(new ListDataSetIterator<>(train, 1), epochs); // one of our batches at a time
        }
    }

    /** A dense classifier of 784 inputs: hidden layers of {@code widths} with {@code activation}, and a softmax output. */
    static MultiLayerNetwork mlp(IUpdater updater, Activation activation, WeightInit init, Consumer<DenseLayer.Builder> hidden, int... widths) {
        return dense(updater, activation, init, hidden, Task.mlp.features(),
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build(), widths);
    }

    /** The examples' regressor's task (392 inputs, one value) as a dense network: hidden layers of {@code widths}, a linear output, squared error. */
    static MultiLayerNetwork regressor(IUpdater updater, Activation activation, int... widths) {
        return dense(updater, activation, WeightInit.XAVIER, null, Task.regressor.features(),
                new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("out").nOut(1).activation(Activation.IDENTITY).build(), widths);
    }

    private static MultiLayerNetwork dense(IUpdater updater, Activation activation, WeightInit init, Consumer<DenseLayer.Builder> hidden,
            int inputs, OutputLayer out, int... widths) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(1).updater(updater).weightInit(init).list();
        for (int i = 0; i < widths.length; i++) {
            DenseLayer.Builder b = new DenseLayer.Builder().name("hidden" + (i + 1)).nOut(widths[i]).activation(activation);
            if (hidden != null) {
                hidden.accept(b);
            }
            list.layer(b.build());
        }
        list.layer(out).setInputType(InputType.feedForward(inputs));
        MultiLayerNetwork net = new MultiLayerNetwork(list.build());
        net.init();
        return net;
    }
}
