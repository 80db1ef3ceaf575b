package com.example;

import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.hook.Attachment;
import io.nnviz.recording.Recorder;
import io.nnviz.renderers.report.HtmlReport;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.ViewIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import java.nio.file.Path;

/** Trains a small CNN on Fashion-MNIST with Deeplearning4j, with nnviz attached, and writes its report. */
public final class QuickStart {
    public static void main(String[] args) throws Exception {
        FashionMnist train = FashionMnist.load("train"), test = FashionMnist.load("t10k");
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(5, 5).name("conv1").nOut(8).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder().name("pool1").kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().name("fc1").nOut(64).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(28, 28, 1))
                .build());
        net.init();

        try (ModelView model = NNViz.inspect(net)) {                   // what the network is, the same on every framework
            for (LayerInfo l : model.layers()) {
                System.out.printf("%-6s %-8s %-18s %,9d%n", l.name(), l.kind(), l.outputShape(), l.parameterCount());
            }
        }

        try (Recorder rec = Recorder.builder()
                .runsRoot(Path.of("runs")).name("quickstart-dl4j")     // runs/quickstart-dl4j-<id>/: run.json, events, TensorBoard
                .probes(Tensor.of(test.flat(0, 4), 4, 1, 28, 28))      // four test images followed through training
                .classNames(FashionMnist.CLASSES)
                .build()) {
            try (Attachment a = NNViz.attach(net, rec).validateOn(dataSet(test))) {
                net.fit(new ViewIterator(dataSet(train), 100), 3);     // 3 epochs of 30 batches
            }
            Path report = rec.addTo(HtmlReport.titled("Fashion-MNIST on Deeplearning4j")).write(Path.of("report"));
            System.out.println("report: " + report.toAbsolutePath());
        }
    }

    /** Images as DL4J wants them for InputType.convolutional: [N, 1, 28, 28], with one-hot labels. */
    static DataSet dataSet(FashionMnist d) {
        return new DataSet(Nd4j.create(d.flat(0, d.size()), new long[] {d.size(), 1, 28, 28}, 'c'), Nd4j.create(d.oneHot()));
    }
}
