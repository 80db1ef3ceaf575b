package io.nnviz.examples.doctor;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import io.nnviz.NNViz;
import io.nnviz.api.hook.Attachment;
import io.nnviz.backend.djl.TapBlock;
import io.nnviz.examples.Images;
import io.nnviz.examples.Task;
import io.nnviz.recording.Recorder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Real DJL (PyTorch engine) trainings on Fashion-MNIST for the doctor's tests, broken on purpose,
 * trained with a Recorder attached the way users attach it ({@code NNViz.attach(config, rec)}).
 */
final class DjlTrainings {
    static final int BATCH = 32;

    private DjlTrainings() {
    }

    /** A dense classifier of 784 inputs: a Linear of each of {@code widths} followed by {@code activation}, then a Linear of 10. */
    static SequentialBlock mlp(Supplier<Block> activation, int... widths) {
        SequentialBlock b = new SequentialBlock();
        for (int w : widths) {
            b.add(Linear.builder().setUnits(w).build()).add(activation.get());
        }
        return b.add(Linear.builder().setUnits(10).build());
    }

    /** Softmax cross-entropy and plain SGD at {@code lr}, on the CPU. */
    static DefaultTrainingConfig sgd(float lr) {
        return config(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(lr)).build());
    }

    /** Softmax cross-entropy and Adam at {@code lr}, on the CPU. */
    static DefaultTrainingConfig adam(float lr) {
        return config(Optimizer.adam().optLearningRateTracker(Tracker.fixed(lr)).build());
    }

    private static DefaultTrainingConfig config(Optimizer o) {
        return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(o).optDevices(new Device[] {Device.cpu()});
    }

    /** The labels of {@code n} images from 0, shuffled among them if asked (a fixed seed). */
    static float[] labels(Images d, int n, boolean shuffle) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = d.labels()[i];
        }
        if (shuffle) {
            Random r = new Random(7);
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                float t = y[i];
                y[i] = y[j];
                y[j] = t;
            }
        }
        return y;
    }

    /**
     * Trains {@code block} one batch at a time over {@code steps} batches of {@code d} (labels
     * {@code y}), with {@code rec} attached; {@code initialized} sees the trainer before the first
     * step and {@code trained} after the last, before it closes (either may be null).
     */
    static void fit(SequentialBlock block, DefaultTrainingConfig config, Images d, float[] y, int steps, Recorder rec,
                    Consumer<Trainer> initialized, Consumer<Trainer> trained) {
        try (Attachment a = NNViz.attach(config, rec); Model model = Model.newInstance("mlp")) {
            model.setBlock(TapBlock.wrap(block));
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(BATCH, 784));
                if (initialized != null) {
                    initialized.accept(trainer);
                }
                for (int s = 0; s < steps; s++) {
                    NDManager sub = trainer.getManager().newSubManager();
                    float[] labels = new float[BATCH];
                    System.arraycopy(y, s * BATCH, labels, 0, BATCH);
                    NDArray x = sub.create(Task.mlp.inputs(d, s * BATCH, BATCH), new Shape(BATCH, 784));
                    try (Batch b = new Batch(sub, new NDList(x), new NDList(sub.create(labels)), BATCH, Batchifier.STACK, Batchifier.STACK,
                            s, steps)) {
                        EasyTrain.trainBatch(trainer, b);
                        trainer.step();
                    }
                }
                if (trained != null) {
                    trained.accept(trainer);
                }
            }
        }
    }

    /**
     * Trains {@code block} with DJL's {@code EasyTrain.fit} for {@code epochs} over the first
     * {@code n} images of {@code train}, validated each epoch on {@code validation}, with {@code rec}
     * attached; {@code listener} is added to the config (after nnviz's).
     */
    static void fitEpochs(SequentialBlock block, DefaultTrainingConfig config, Images train, int n, Images validation, int epochs,
                          Recorder rec, TrainingListener listener) {
        try (Attachment a = NNViz.attach(config, rec); Model model = Model.newInstance("mlp");
             NDManager m = NDManager.newBaseManager()) {
            config.addTrainingListeners(listener);
            model.setBlock(TapBlock.wrap(block));
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(BATCH, 784));
                EasyTrain.fit(trainer, epochs, dataset(m, train, n), dataset(m, validation, validation.size()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (TranslateException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first {@code n} images of {@code d} as a DJL data set of batches of {@link #BATCH}, in order. */
    static ArrayDataset dataset(NDManager m, Images d, int n) {
        return new ArrayDataset.Builder().setData(m.create(Task.mlp.inputs(d, 0, n), new Shape(n, 784)))
                .optLabels(m.create(labels(d, n, false))).setSampling(BATCH, false).build();
    }
}
