package io.nnviz.examples;

import io.nnviz.api.LayerGradient;
import io.nnviz.api.Model;
import io.nnviz.api.NNViz;
import io.nnviz.api.Tensor;
import io.nnviz.api.hook.Attachment;
import io.nnviz.renderers.figures.ActivationGrid;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.SaliencyOverlay;
import io.nnviz.renderers.record.Recorder;
import io.nnviz.renderers.report.HtmlReport;
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
import java.util.List;
import java.util.function.LongConsumer;

/** The default example: a LeNet-style CNN trained with DL4J on Fashion-MNIST, with a report. */
final class Dl4jCnn {
    private Dl4jCnn() {
    }

    /** What a run produced. */
    record Result(Path index, double accuracy, int testImages, long steps, long hookErrors) {
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

    static Result run(int steps, int batch, Path out, LongConsumer progress) throws IOException {
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
        // held-out accuracy and the confusion matrix
        long[][] confusion = new long[10][10];
        int correct = 0;
        for (int from = 0; from < test.size(); from += 250) {
            int n = Math.min(250, test.size() - from);
            INDArray predicted = net.output(batchOf(test, from, n).getFeatures()).argMax(1);
            for (int i = 0; i < n; i++) {
                int p = predicted.getInt(i), t = test.labels()[from + i];
                confusion[t][p]++;
                correct += p == t ? 1 : 0;
            }
        }
        double accuracy = correct / (double) test.size();
        try (Model model = NNViz.inspect(net)) {
            HtmlReport report = HtmlReport.titled("LeNet-style CNN on Fashion-MNIST (DL4J, " + steps + " steps)").model(model);
            recorder.addTo(report);
            report.section("Results").figure("confusion", Heatmap.confusionMatrix(confusion, Images.CLASSES, true)
                    .title(String.format("Test images (%d), accuracy %.1f%%", test.size(), accuracy * 100)).build());
            // a probe image: activations, saliency and Grad-CAM for the class the network predicts
            Tensor probe = Tensor.of(test.pixels()[0], 1, 1, 28, 28);
            int predicted = net.output(Nd4j.create(test.pixels()[0], new long[] {1, 784}, 'c')).argMax(1).getInt(0);
            String label = Images.CLASSES.get(test.labels()[0]) + " (predicted " + Images.CLASSES.get(predicted) + ")";
            report.section("A probe image: " + label);
            report.figure("activations conv1", ActivationGrid.of(model.activations(probe, List.of("conv1")).get("conv1").slice(0))
                    .overlay(probe.slice(0), 0.6).title("conv1 activations over the probe").build());
            report.figure("activations conv2", ActivationGrid.of(model.activations(probe, List.of("conv2")).get("conv2").slice(0))
                    .topK(16).title("conv2: the 16 most active channels").build());
            report.figure("saliency", SaliencyOverlay.saliency(probe.slice(0), model.inputGradient(probe, predicted).slice(0))
                    .title("Saliency for " + Images.CLASSES.get(predicted)).build());
            LayerGradient lg = model.layerGradient(probe, "conv2", predicted);
            report.figure("grad-cam", SaliencyOverlay.gradCam(probe.slice(0), lg).title("Grad-CAM at conv2 for "
                    + Images.CLASSES.get(predicted)).build());
            Path index = report.write(out);
            recorder.writeJson(out.resolve("run.json"));
            return new Result(index, accuracy, test.size(), steps, errors);
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
