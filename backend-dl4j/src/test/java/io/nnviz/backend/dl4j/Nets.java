package io.nnviz.backend.dl4j;

import io.nnviz.testkit.FashionMnist;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;


/** The real networks and the Fashion-MNIST batches the DL4J tests train on. */
final class Nets {
    static final int BATCH = 32;

    private Nets() {
    }

    static FashionMnist data() {
        return FashionMnist.trainCached(1024);
    }

    /** Batch {@code i} (wrapping) of flat images [32, 784] with one-hot labels. */
    static DataSet flatBatch(int i) {
        FashionMnist d = data();
        int from = (i * BATCH) % (d.size() - BATCH);
        return new DataSet(Nd4j.create(d.batch(from, from + BATCH), new long[] {BATCH, 784}, 'c'),
                Nd4j.create(d.oneHot(from, from + BATCH), new long[] {BATCH, 10}, 'c'));
    }

    /** Images as sequences: 28 time steps of 28 pixel rows, DL4J's [N, 28 features, 28 steps]; label at every step. */
    static DataSet rowSequenceBatch(int i) {
        DataSet flat = flatBatch(i);
        org.nd4j.linalg.api.ndarray.INDArray x = flat.getFeatures().reshape('c', BATCH, 28, 28).permute(0, 2, 1).dup('c');
        org.nd4j.linalg.api.ndarray.INDArray y = flat.getLabels().reshape(BATCH, 10, 1).repeat(2, 28).dup('c');
        return new DataSet(x, y);
    }

    /** Regression: predict the mean brightness of the lower half of the image from its upper half. */
    static DataSet halvesBatch(int i) {
        DataSet flat = flatBatch(i);
        org.nd4j.linalg.api.ndarray.INDArray x = flat.getFeatures();
        org.nd4j.linalg.api.ndarray.INDArray top = x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 392)).dup('c');
        org.nd4j.linalg.api.ndarray.INDArray bottom = x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(392, 784)).mean(1).reshape(BATCH, 1);
        return new DataSet(top, bottom);
    }

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(12345).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER);
    }

    /**
     * A small all-convolutional CNN with a global-average-pooling head, the design of modern
     * classifiers (ResNet, MobileNet): its last conv layer keeps a 12 x 12 layout up to the pooling,
     * which is where class activation maps are read.
     */
    static MultiLayerNetwork gapCnn() {
        MultiLayerConfiguration conf = base().list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(16).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool1").kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv2").nOut(32).convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv3").nOut(32).convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("gap").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static MultiLayerNetwork lenet() {
        MultiLayerConfiguration conf = base().list()
                .layer(new ConvolutionLayer.Builder(5, 5).name("conv1").nOut(8).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool1").kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).name("conv2").nOut(16).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().name("bn2").build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool2").kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().name("fc1").nOut(64).activation(Activation.RELU).build())
                .layer(new DropoutLayer.Builder(0.8).name("drop").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static MultiLayerNetwork mlpClassifier() {
        MultiLayerConfiguration conf = base().list()
                .layer(new DenseLayer.Builder().name("hidden1").nIn(784).nOut(48).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("hidden2").nOut(24).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(784)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static MultiLayerNetwork mlpRegressor() {
        MultiLayerConfiguration conf = base().list()
                .layer(new DenseLayer.Builder().name("hidden").nIn(392).nOut(32).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("out").nOut(1).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(392)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static MultiLayerNetwork lstm() {
        MultiLayerConfiguration conf = base().list()
                .layer(new LSTM.Builder().name("lstm").nIn(28).nOut(20).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(28, 28)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** LSTM -> multi-head self-attention (4 heads of 8) -> per-step softmax, over images read as 28 rows of 28 pixels. */
    static MultiLayerNetwork selfAttention() {
        MultiLayerConfiguration conf = base().list()
                .layer(new LSTM.Builder().name("lstm").nIn(28).nOut(32).activation(Activation.TANH).build())
                .layer(new org.deeplearning4j.nn.conf.layers.SelfAttentionLayer.Builder().name("attention").nIn(32).nOut(32).nHeads(4)
                        .headSize(8).projectInput(true).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(28, 28)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** conv -> conv -> add(skip) -> global pooling -> dense -> output, on 28x28 images. */
    static ComputationGraph residual() {
        ComputationGraphConfiguration conf = base().graphBuilder()
                .addInputs("image")
                .setInputTypes(InputType.convolutionalFlat(28, 28, 1))
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(8).activation(Activation.RELU).build(), "image")
                .addLayer("conv_a", new ConvolutionLayer.Builder(3, 3).convolutionMode(ConvolutionMode.Same).nOut(8).activation(Activation.RELU).build(), "stem")
                .addLayer("conv_b", new ConvolutionLayer.Builder(3, 3).convolutionMode(ConvolutionMode.Same).nOut(8).activation(Activation.IDENTITY).build(), "conv_a")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "conv_b", "stem")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "add")
                .addLayer("fc", new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build(), "gap")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }
}
