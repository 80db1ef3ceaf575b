package com.example;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.hook.Attachment;
import io.nnviz.recording.Recorder;
import io.nnviz.renderers.report.HtmlReport;

import java.nio.file.Path;

/** Trains a small CNN on Fashion-MNIST with DJL (PyTorch engine), with nnviz attached, and writes its report. */
public final class QuickStart {
    public static void main(String[] args) throws Exception {
        FashionMnist train = FashionMnist.load("train"), test = FashionMnist.load("t10k");
        SequentialBlock net = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).setFilters(8).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(64).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(10).build());
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build())
                .addEvaluator(new Accuracy())
                .addTrainingListeners(TrainingListener.Defaults.basic());

        try (Model model = Model.newInstance("quickstart-djl"); NDManager data = NDManager.newBaseManager();
             Recorder rec = Recorder.builder()
                     .runsRoot(Path.of("runs")).name("quickstart-djl")     // runs/quickstart-djl-<id>/: run.json, events, TensorBoard
                     .probes(Tensor.of(test.flat(0, 4), 4, 1, 28, 28))     // four test images followed through training
                     .classNames(FashionMnist.CLASSES)
                     .build()) {
            model.setBlock(net);
            try (Attachment a = NNViz.attach(config, rec).validateOn(dataset(data, test));   // before the trainer is made
                 Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(100, 1, 28, 28));
                try (ModelView view = NNViz.inspect(model)) {              // what the network is, the same on every framework
                    for (LayerInfo l : view.layers()) {
                        System.out.printf("%-14s %-10s %-18s %,9d%n", l.name(), l.kind(), l.outputShape(), l.parameterCount());
                    }
                }
                EasyTrain.fit(trainer, 3, dataset(data, train), null);      // 3 epochs of 30 batches
            }
            Path report = rec.addTo(HtmlReport.titled("Fashion-MNIST on DJL")).write(Path.of("report"));
            System.out.println("report: " + report.toAbsolutePath());
        }
    }

    /** Images [N, 1, 28, 28] with their class indices, in shuffled batches of 100. */
    static ArrayDataset dataset(NDManager m, FashionMnist d) {
        return new ArrayDataset.Builder().setData(m.create(d.flat(0, d.size()), new Shape(d.size(), 1, 28, 28)))
                .optLabels(m.create(d.labels())).setSampling(100, true).build();
    }
}
