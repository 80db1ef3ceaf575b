package io.nnviz.bench.djl;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import io.nnviz.NNViz;
import io.nnviz.api.ModelView;
import io.nnviz.api.hook.Attachment;
import io.nnviz.backend.djl.TapBlock;
import io.nnviz.bench.Alternation;
import io.nnviz.bench.HookChoice;
import io.nnviz.bench.InsideByStep;
import io.nnviz.bench.SamplingRecorder;
import io.nnviz.testkit.FashionMnist;

import java.util.function.BiConsumer;
import java.util.function.IntFunction;

/**
 * The training-hook overhead of issue #5 on DJL (PyTorch engine, one thread): LeNet at DJL's
 * hands on Fashion-MNIST, batch 32. Variants in turns of 10 steps on the same batches, every one a
 * trainer of <em>the same weights</em> (one block, one optimizer): unhooked; unhooked but through an
 * unarmed {@link TapBlock} (what the wrapper costs on steps that capture nothing); hooked through
 * that TapBlock with the sampling of the other harnesses; unhooked again, an A/A control. One set of
 * weights for all: copies of a network differ by a few percent in step time whatever their hook
 * (where their memory lies), which hid a 0.5% target (the A/A control of copies drifted -0.3% to
 * +3.9% between runs). The weights train under every variant's steps in turn, so every variant
 * trains as long. A capture the hooked trainer asks for at the end of its turn arms the shared
 * TapBlock until its next turn: the other variants' steps in between then record their leaves'
 * outputs (no copies), which makes them slower, by a few microseconds on a few steps of a run.
 * Every variant first trains {@value Alternation#WARMUP} steps in the same turns (round 30 batches).
 *
 * <pre>mvn -B -q -pl bench-djl -am install -DskipTests && mvn -B -q -pl bench-djl exec:exec@djl-hook-overhead</pre>
 */
public final class DjlHookOverhead {
    private static final int BATCH = 32, BLOCK = 10, CYCLE = 50;

    private DjlHookOverhead() {
    }

    static Block lenet() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).setFilters(20).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).setFilters(50).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(500).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    /**
     * Every copy's configuration: with {@code -Dnnviz.djlListeners=basic} (the default) DJL's
     * {@code TrainingListener.Defaults.basic()} first, as DJL's examples and nnviz's quick start have
     * it (its evaluator listener computes each batch's loss, which nnviz then reads); with
     * {@code none}, no listener of DJL's, so nnviz reads the loss itself.
     */
    static DefaultTrainingConfig config(Optimizer optimizer) {
        DefaultTrainingConfig c = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(optimizer)
                .optDevices(new Device[] {Device.cpu()});
        String listeners = System.getProperty("nnviz.djlListeners", "basic");
        if (listeners.equals("basic")) {
            c.addTrainingListeners(TrainingListener.Defaults.basic());
        } else if (!listeners.equals("none")) {
            throw new IllegalArgumentException("nnviz.djlListeners=" + listeners + ": basic or none");
        }
        return c;
    }

    public static void main(String[] args) throws Exception {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int blocks = cycles * CYCLE / BLOCK, warmup = 30, steps = blocks * BLOCK;
        FashionMnist data = FashionMnist.train((steps + warmup) * BATCH);
        HookChoice choice = HookChoice.of(args);
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
        DefaultTrainingConfig hookedConfig = config(adam);
        Attachment attachment = NNViz.attach(hookedConfig, choice.hook());
        TapBlock tapped = TapBlock.wrap(lenet());
        String[] names = {"unhooked", "unarmed TapBlock", choice.name() + " + TapBlock", "unhooked again"};
        // the plain block's trainers and the TapBlock's train the same parameters, through two models
        Model plainModel = Model.newInstance("lenet"), tappedModel = Model.newInstance("lenet, tapped");
        plainModel.setBlock(tapped.inner());
        tappedModel.setBlock(tapped);
        Model[] models = {plainModel, tappedModel, tappedModel, plainModel};
        DefaultTrainingConfig[] configs = {config(adam), config(adam), hookedConfig, config(adam)};
        Trainer[] trainers = new Trainer[4];
        try {
            Engine.getInstance().setRandomSeed(42);
            for (int v = 0; v < 4; v++) {
                trainers[v] = models[v].newTrainer(configs[v]);
            }
            // a TapBlock trainer first: it initializes the parameters, once, and the plain block's trainers find them so
            for (int v : new int[] {1, 0, 2, 3}) {
                trainers[v].initialize(new Shape(BATCH, 1, 28, 28));
            }
            float[][] x = new float[steps + warmup][], y = new float[steps + warmup][];
            for (int i = 0; i < x.length; i++) {
                int from = (i * BATCH) % (data.size() - BATCH + 1); // long runs go round the 60,000 images again
                y[i] = new float[BATCH];
                for (int k = 0; k < BATCH; k++) {
                    y[i][k] = data.label(from + k);
                }
                x[i] = data.batch(from, from + BATCH);
            }
            BiConsumer<Integer, Integer> step = (v, i) -> {
                NDManager sub = trainers[v].getManager().newSubManager();
                NDArray bx = sub.create(x[i], new Shape(BATCH, 1, 28, 28)), by = sub.create(y[i]);
                try (Batch b = new Batch(sub, new NDList(bx), new NDList(by), BATCH, Batchifier.STACK, Batchifier.STACK, i, steps)) {
                    EasyTrain.trainBatch(trainers[v], b);
                    trainers[v].step();
                }
            };
            Alternation.run(4, Alternation.WARMUP / BLOCK, BLOCK, (v, s) -> step.accept(v, s % warmup));
            Alternation.run(4, 1, Alternation.SHIFT, (v, s) -> step.accept(v, s)); // captures inside the measured blocks
            long insideBefore = attachment.timeInNnvizNanos(); // the warm-up's steps are not measured
            long[] inside = new long[steps];
            Alternation runs = Alternation.run(4, blocks, BLOCK, (v, s) -> {
                long before = v == 2 ? attachment.timeInNnvizNanos() : 0;
                step.accept(v, warmup + s);
                if (v == 2) {
                    inside[s] = attachment.timeInNnvizNanos() - before;
                }
            });
            long insideMeasured = attachment.timeInNnvizNanos() - insideBefore;
            attachment.close();
            System.out.printf("DJL %s LeNet (conv20-pool-conv50-pool-fc500-out10), Fashion-MNIST, batch %d, 1 thread%n",
                    Engine.getInstance().getEngineName(), BATCH);
            System.out.println(Alternation.describe(steps, blocks, BLOCK, CYCLE, Alternation.WARMUP));
            runs.report(names, steps, "");
            IntFunction<String> kinds = s -> SamplingRecorder.kindOf(Alternation.WARMUP + Alternation.SHIFT + s + 1); // the hook saw the warm-up too
            runs.reportByKind(names, kinds);
            double insideMs = insideMeasured / 1e6 / steps;
            System.out.printf("time inside nnviz (copies + hook), measured where it happens: %.3f ms per step = %.2f%% of an"
                    + " unhooked step%n", insideMs, insideMs / runs.baselineMs(steps) * 100);
            InsideByStep.print(inside, runs.baselineMs(steps));
            InsideByStep.printByKind(inside, kinds);
            try (ModelView view = NNViz.inspect(tappedModel)) {
                choice.printSummary(view, attachment.hookErrors());
            }
        } finally {
            for (Trainer t : trainers) {
                if (t != null) {
                    t.close();
                }
            }
            tappedModel.close();
            plainModel.close();
        }
    }
}
