package io.nnviz.examples;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.Model;
import io.nnviz.api.NNViz;
import io.nnviz.api.Tensor;
import io.nnviz.api.hook.Attachment;
import io.nnviz.backend.djl.TapBlock;
import io.nnviz.renderers.figures.ActivationGrid;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.SaliencyOverlay;
import io.nnviz.renderers.record.Recorder;
import io.nnviz.renderers.report.HtmlReport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/** The CNN example on DJL (PyTorch engine): the same network, data and report as {@link Dl4jCnn}. */
final class DjlCnn {
    private DjlCnn() {
    }

    static SequentialBlock network() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new ai.djl.ndarray.types.Shape(5, 5)).setFilters(16).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new ai.djl.ndarray.types.Shape(2, 2), new ai.djl.ndarray.types.Shape(2, 2)))
                .add(Conv2d.builder().setKernelShape(new ai.djl.ndarray.types.Shape(5, 5)).setFilters(32).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new ai.djl.ndarray.types.Shape(2, 2), new ai.djl.ndarray.types.Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(128).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    static Dl4jCnn.Result run(int steps, int batch, Path out, LongConsumer progress) throws IOException {
        Images train = Images.load(false, 60_000), test = Images.load(true, 2_000);
        Recorder recorder = Recorder.defaults().tensorBoard(out.resolve("tensorboard"));
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build())
                .optDevices(new Device[] {Device.cpu()});
        Attachment hooks = NNViz.attach(config, recorder);
        try (ai.djl.Model model = ai.djl.Model.newInstance("cnn")) {
            model.setBlock(TapBlock.wrap(network()));
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new ai.djl.ndarray.types.Shape(batch, 1, 28, 28));
                for (int s = 0; s < steps; s++) {
                    int from = (s * batch) % (train.size() - batch);
                    NDManager sub = trainer.getManager().newSubManager();
                    float[] y = new float[batch];
                    for (int k = 0; k < batch; k++) {
                        y[k] = train.labels()[from + k];
                    }
                    NDArray bx = sub.create(pixels(train, from, batch), new ai.djl.ndarray.types.Shape(batch, 1, 28, 28));
                    try (Batch b = new Batch(sub, new NDList(bx), new NDList(sub.create(y)), batch, Batchifier.STACK,
                            Batchifier.STACK, s, steps)) {
                        EasyTrain.trainBatch(trainer, b);
                        trainer.step();
                    }
                    progress.accept(s + 1);
                }
            }
            hooks.close();
            long[][] confusion = new long[10][10];
            int correct = 0;
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray logits = model.getBlock().forward(new ParameterStore(m, false),
                        new NDList(m.create(pixels(test, 0, test.size()), new ai.djl.ndarray.types.Shape(test.size(), 1, 28, 28))),
                        false).singletonOrThrow();
                long[] predicted = logits.argMax(1).toLongArray();
                for (int i = 0; i < test.size(); i++) {
                    confusion[test.labels()[i]][(int) predicted[i]]++;
                    correct += predicted[i] == test.labels()[i] ? 1 : 0;
                }
            }
            double accuracy = correct / (double) test.size();
            try (Model view = NNViz.inspect(model)) {
                HtmlReport report = HtmlReport.titled("LeNet-style CNN on Fashion-MNIST (DJL " + ai.djl.engine.Engine.getInstance()
                        .getEngineName() + ", " + steps + " steps)").model(view);
                recorder.addTo(report);
                report.section("Results").figure("confusion", Heatmap.confusionMatrix(confusion, Images.CLASSES, true)
                        .title(String.format("Test images (%d), accuracy %.1f%%", test.size(), accuracy * 100)).build());
                Tensor probe = Tensor.of(test.pixels()[0], 1, 1, 28, 28);
                String conv1 = view.layers().get(1).id(), conv2 = view.layers().get(4).id(), last = view.layers().get(view.layers().size() - 1).id();
                Tensor scores = view.activations(probe, List.of(last)).get(last);
                int predicted = 0;
                for (int k = 1; k < 10; k++) {
                    predicted = scores.get(0, k) > scores.get(0, predicted) ? k : predicted;
                }
                report.section("A probe image: " + Images.CLASSES.get(test.labels()[0]) + " (predicted " + Images.CLASSES.get(predicted) + ")");
                report.figure("activations conv1", ActivationGrid.of(view.activations(probe, List.of(conv1)).get(conv1).slice(0))
                        .overlay(probe.slice(0), 0.6).title(conv1 + " activations over the probe").build());
                report.figure("saliency", SaliencyOverlay.saliency(probe.slice(0), view.inputGradient(probe, predicted).slice(0))
                        .title("Saliency for " + Images.CLASSES.get(predicted)).build());
                LayerGradient lg = view.layerGradient(probe, conv2, predicted);
                report.figure("grad-cam", SaliencyOverlay.gradCam(probe.slice(0), lg).title("Grad-CAM at " + conv2 + " for "
                        + Images.CLASSES.get(predicted)).build());
                Path index = report.write(out);
                recorder.writeJson(out.resolve("run.json"));
                return new Dl4jCnn.Result(index, accuracy, test.size(), steps, hooks.hookErrors());
            }
        }
    }

    private static float[] pixels(Images data, int from, int n) {
        float[] x = new float[n * 784];
        for (int i = 0; i < n; i++) {
            System.arraycopy(data.pixels()[from + i], 0, x, i * 784, 784);
        }
        return x;
    }
}
