package io.nnviz.examples;

import io.nnviz.api.Model;
import io.nnviz.api.NNViz;
import io.nnviz.api.hook.Attachment;
import io.nnviz.renderers.record.Recorder;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/** The default example: a LeNet-style CNN trained with DL4J on Fashion-MNIST, with a report. */
final class Dl4jCnn {
    private Dl4jCnn() {
    }

    static MultiLayerNetwork network() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(5, 5).name("conv1").nOut(16).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool1").kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).name("conv2").nOut(32).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool2").kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().name("fc1").nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static RunReport.Result run(int steps, int batch, Path out, LongConsumer progress) throws IOException {
        Images train = Images.load(false, 60_000), test = Images.load(true, 2_000);
        MultiLayerNetwork net = network();
        Recorder recorder = Recorder.defaults().tensorBoard(out.resolve("tensorboard"));
        long errors;
        try (Attachment a = NNViz.attach(net, recorder)) {
            for (int s = 0; s < steps; s++) {
                int from = (s * batch) % (train.size() - batch);
                net.fit(batchOf(train, from, batch));
                progress.accept(s + 1);
            }
            errors = a.hookErrors();
        }
        int[] predicted = new int[test.size()];
        for (int from = 0; from < test.size(); from += 250) {
            int n = Math.min(250, test.size() - from);
            INDArray p = net.output(batchOf(test, from, n).getFeatures()).argMax(1);
            for (int i = 0; i < n; i++) {
                predicted[from + i] = p.getInt(i);
            }
        }
        try (Model model = NNViz.inspect(net)) {
            return RunReport.write("LeNet-style CNN on Fashion-MNIST (DL4J, " + steps + " steps)", model, recorder, test, predicted,
                    "conv1", "conv2", out, steps, errors);
        }
    }

    static DataSet batchOf(Images data, int from, int n) {
        float[] x = new float[n * 784], y = new float[n * 10];
        for (int i = 0; i < n; i++) {
            System.arraycopy(data.pixels()[from + i], 0, x, i * 784, 784);
            y[i * 10 + data.labels()[from + i]] = 1;
        }
        return new DataSet(Nd4j.create(x, new long[] {n, 784}, 'c'), Nd4j.create(y, new long[] {n, 10}, 'c'));
    }
}
