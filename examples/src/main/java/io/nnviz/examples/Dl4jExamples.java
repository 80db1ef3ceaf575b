package io.nnviz.examples;

import io.nnviz.NNViz;
import io.nnviz.api.ModelView;
import io.nnviz.api.hook.Attachment;
import io.nnviz.recording.Recorder;
import org.deeplearning4j.nn.api.NeuralNetwork;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.rnn.LastTimeStepVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
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

/** The four examples on Deeplearning4j: build the network, train it with a Recorder attached, write the report. */
public final class Dl4jExamples {
    private Dl4jExamples() {
    }

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER);
    }

    /** The network of a task: a {@link MultiLayerNetwork}, or for the LSTM a {@link ComputationGraph}. */
    public static NeuralNetwork network(Task task) {
        if (task == Task.lstm) {
            // a graph, so the LSTM's whole sequence of states stays visible next to the last one the classifier reads
            ComputationGraphConfiguration conf = base().graphBuilder().addInputs("rows")
                    .setInputTypes(InputType.recurrent(Task.SIDE, Task.SIDE))
                    .addLayer("lstm", new LSTM.Builder().nOut(64).activation(Activation.TANH).build(), "rows")
                    .addVertex("last", new LastTimeStepVertex("rows"), "lstm")
                    .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                            .activation(Activation.SOFTMAX).build(), "last")
                    .setOutputs("out").build();
            ComputationGraph g = new ComputationGraph(conf);
            g.init();
            return g;
        }
        NeuralNetConfiguration.ListBuilder list = base().list();
        switch (task) {
            case cnn -> list
                    .layer(new ConvolutionLayer.Builder(5, 5).name("conv1").nOut(16).activation(Activation.RELU).build())
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool1").kernelSize(2, 2).stride(2, 2).build())
                    .layer(new ConvolutionLayer.Builder(5, 5).name("conv2").nOut(32).activation(Activation.RELU).build())
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool2").kernelSize(2, 2).stride(2, 2).build())
                    .layer(new DenseLayer.Builder().name("fc1").nOut(128).activation(Activation.RELU).build())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                    .setInputType(InputType.convolutionalFlat(Task.SIDE, Task.SIDE, 1));
            case mlp -> list
                    .layer(new DenseLayer.Builder().name("hidden1").nOut(128).activation(Activation.RELU).build())
                    .layer(new DenseLayer.Builder().name("hidden2").nOut(64).activation(Activation.RELU).build())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                    .setInputType(InputType.feedForward(task.features()));
            case regressor -> list
                    .layer(new DenseLayer.Builder().name("hidden1").nOut(64).activation(Activation.RELU).build())
                    .layer(new DenseLayer.Builder().name("hidden2").nOut(32).activation(Activation.RELU).build())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("out").nOut(1).activation(Activation.IDENTITY).build())
                    .setInputType(InputType.feedForward(task.features()));
            default -> throw new IllegalArgumentException(task.name());
        }
        MultiLayerNetwork net = new MultiLayerNetwork(list.build());
        net.init();
        return net;
    }

    /** Trains {@code task} for {@code steps} batches with a {@link Recorder} attached and writes the report to {@code out}. */
    public static RunReport.Result run(Task task, int steps, int batch, Path out, LongConsumer progress) throws IOException {
        Images train = Images.load(false, 60_000), test = Images.load(true, 2_000);
        NeuralNetwork net = network(task);
        Recorder recorder = RunReport.recorder(task, test, steps, out);
        long errors;
        try (Attachment a = NNViz.attach(net, recorder)) {
            for (int s = 0; s < steps; s++) {
                int from = (s * batch) % (train.size() - batch);
                DataSet b = new DataSet(features(task, train, from, batch), Nd4j.create(task.targets(train, from, batch),
                        new long[] {batch, task.outputs()}, 'c'));
                if (net instanceof ComputationGraph g) {
                    g.fit(b);
                } else {
                    ((MultiLayerNetwork) net).fit(b);
                }
                progress.accept(s + 1);
            }
            errors = a.hookErrors();
        }
        float[][] outputs = new float[test.size()][];
        for (int from = 0; from < test.size(); from += 250) {
            int n = Math.min(250, test.size() - from);
            INDArray x = features(task, test, from, n);
            INDArray y = net instanceof ComputationGraph g ? g.outputSingle(x) : ((MultiLayerNetwork) net).output(x);
            for (int i = 0; i < n; i++) {
                outputs[from + i] = y.getRow(i).toFloatVector();
            }
        }
        try (ModelView model = NNViz.inspect(net)) {
            return RunReport.write(task, "DL4J", model, recorder, test, outputs, out, steps, errors);
        }
    }

    /** Inputs in DL4J's layout: flat rows for the CNN ({@code convolutionalFlat}) and the MLPs, {@code [N, C, T]} for the LSTM. */
    static INDArray features(Task task, Images d, int from, int n) {
        float[] x = task.inputs(d, from, n);
        if (task == Task.lstm) {
            return Nd4j.create(x, new long[] {n, Task.SIDE, Task.SIDE}, 'c').permute(0, 2, 1).dup('c');
        }
        return Nd4j.create(x, new long[] {n, task.features()}, 'c');
    }
}
