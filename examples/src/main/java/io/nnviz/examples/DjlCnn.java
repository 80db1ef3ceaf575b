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
import io.nnviz.api.Model;
import io.nnviz.api.NNViz;
import io.nnviz.api.hook.Attachment;
import io.nnviz.backend.djl.TapBlock;
import io.nnviz.renderers.record.Recorder;

import java.io.IOException;
import java.nio.file.Path;
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

    static RunReport.Result run(int steps, int batch, Path out, LongConsumer progress) throws IOException {
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
            int[] predicted = new int[test.size()];
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray logits = model.getBlock().forward(new ParameterStore(m, false),
                        new NDList(m.create(pixels(test, 0, test.size()), new ai.djl.ndarray.types.Shape(test.size(), 1, 28, 28))),
                        false).singletonOrThrow();
                long[] p = logits.argMax(1).toLongArray();
                for (int i = 0; i < p.length; i++) {
                    predicted[i] = (int) p[i];
                }
            }
            try (Model view = NNViz.inspect(model)) {
                return RunReport.write("LeNet-style CNN on Fashion-MNIST (DJL " + ai.djl.engine.Engine.getInstance().getEngineName()
                        + ", " + steps + " steps)", view, recorder, test, predicted, view.layers().get(1).id(),
                        view.layers().get(4).id(), out, steps, hooks.hookErrors());
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
