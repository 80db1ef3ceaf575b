package io.nnviz.backend.djl;

import ai.djl.Device;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

/** The small Fashion-MNIST CNN and training config of the hook tests. */
final class SmallNets {
    private SmallNets() {
    }

    /** Conv 8x5x5, ReLU, flatten, dense 10: for [N, 1, 28, 28] images. */
    static SequentialBlock cnn() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new ai.djl.ndarray.types.Shape(5, 5)).setFilters(8).build())
                .add(Activation.reluBlock()).add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(10).build());
    }

    /** Softmax cross-entropy with Adam at a fixed learning rate, on the CPU. */
    static DefaultTrainingConfig config(float learningRate) {
        return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(learningRate)).build())
                .optDevices(new Device[] {Device.cpu()});
    }
}
