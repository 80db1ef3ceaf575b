package io.nnviz.bench.dl4j;

import io.nnviz.NNViz;
import io.nnviz.api.ModelView;
import io.nnviz.api.hook.Attachment;
import io.nnviz.bench.Alternation;
import io.nnviz.bench.HookChoice;
import io.nnviz.bench.InsideByStep;
import io.nnviz.bench.SamplingRecorder;
import io.nnviz.testkit.FashionMnist;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The training-hook overhead of issue #4, measured as the issue asks: LeNet on Fashion-MNIST,
 * batch 32, one thread (run with OMP_NUM_THREADS=1); one network trains in turns of 10 steps on
 * the same batches, in one JVM, its listeners set for each turn: none, nnviz's hook, DL4J's own
 * StatsListener (in-memory storage, default settings), an empty listener, none again (the A/A
 * control). One network for all: copies of a network differ by a few percent in step time whatever
 * their hook (where their memory lies), which hid a 0.5% target on the other backends. The overhead
 * is the mean step time over whole sampling cycles (50 steps: the hook keeps the loss every step,
 * weight histograms every 10, activations of every layer for 4 samples every 50), paired block
 * against block. Steps are the network's iterations, counted over every turn, so the hook sees
 * steps 1-10, 31-40 and so on: a turn of 10 holds one histogram step as before, and one in five an
 * activation step. Before the measured turns the network trains {@value #HOOK_WARMUP} steps with the
 * hook, as the other harnesses' 6,000 warm-up steps do: the recorder's capture budget settles its
 * intervals over its first thousand steps or so, and a long run's steady state is the figure wanted;
 * {@link Alternation#SHIFT} more put each turn's histogram step in its middle, not at its end.
 *
 * <pre>mvn -B -q -pl bench-dl4j -am install -DskipTests && mvn -B -q -pl bench-dl4j exec:exec@hook-overhead</pre>
 * The number of 50-step cycles per variant is the first argument ({@code -Dnnviz.cycles=N} through
 * Maven; default 8). A second argument {@code ab} runs only the unhooked/hooked/unhooked-again
 * variants; {@code recorder} does the same with {@code Recorder.defaults()} as the hook and times the
 * report written after training ({@code -Dnnviz.variants=recorder}); {@code dashboard} also shows that
 * Recorder on a live dashboard with two headless Chromium pages polling it.
 */
public final class HookOverhead {
    private static final int BATCH = 32, BLOCK = 10, CYCLE = 50;
    /** Steps the network trains with the hook before the measured turns. */
    static final int HOOK_WARMUP = 1_500;

    private HookOverhead() {
    }

    static MultiLayerNetwork lenet() {
        return lenet(20, 50, 500);
    }

    /** LeNet with {@code conv1} and {@code conv2} filters and {@code fc1} units. */
    static MultiLayerNetwork lenet(int conv1, int conv2, int fc1) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).list()
                .layer(new ConvolutionLayer.Builder(5, 5).name("conv1").nOut(conv1).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool1").kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).name("conv2").nOut(conv2).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool2").kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().name("fc1").nOut(fc1).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * nnviz's own code made ready as in a long run, before the measured steps: its classes
     * loaded and its per-step code compiled by C2 (about 5,000 calls), as the TensorFlow and DJL
     * harnesses do by training every copy 6,000 steps first (6,000 LeNet steps would take 11 minutes
     * a copy here). A recorder is attached to a narrow LeNet (2, 2 and 8 wide) for
     * {@link Alternation#WARMUP} steps of the same batches, then closed.
     */
    static void warmNnviz(List<DataSet> batches) {
        MultiLayerNetwork narrow = lenet(2, 2, 8);
        try (Attachment a = NNViz.attach(narrow, io.nnviz.recording.Recorder.defaults())) {
            for (int i = 0; i < Alternation.WARMUP; i++) {
                narrow.fit(batches.get(i % batches.size()));
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int blocks = cycles * CYCLE / BLOCK, warmup = 30;
        int steps = blocks * BLOCK;
        FashionMnist data = FashionMnist.train((steps + warmup) * BATCH);
        List<DataSet> batches = new ArrayList<>();
        for (int i = 0; i + BATCH <= data.size(); i += BATCH) {
            batches.add(new DataSet(Nd4j.create(data.batch(i, i + BATCH), new long[] {BATCH, 784}, 'c'),
                    Nd4j.create(data.oneHot(i, i + BATCH), new long[] {BATCH, 10}, 'c')));
        }
        MultiLayerNetwork net = lenet();
        HookChoice choice = HookChoice.of(args);
        Attachment attachment = NNViz.attach(net, choice.hook());
        List<TrainingListener> nnviz = new ArrayList<>(net.getListeners());
        StatsStorage storage = new InMemoryStatsStorage();
        // an empty listener: what DL4J itself spends on having a listener at all
        List<List<TrainingListener>> listeners = List.of(List.of(), nnviz, List.of(new StatsListener(storage)),
                List.of(new BaseTrainingListener() { }), List.of());
        // "unhooked again" is an A/A control: it shows the harness's own noise and bias
        String[] names = {"unhooked", choice.name(), "DL4J StatsListener", "empty DL4J listener", "unhooked again"};
        if (args.length > 1 && (args[1].equals("ab") || args[1].equals("recorder") || args[1].equals("dashboard"))) {
            // a longer run of just the A/B pair and the A/A control, for a tighter error
            listeners = List.of(listeners.get(0), nnviz, listeners.get(4));
            names = new String[] {"unhooked", choice.name(), "unhooked again"};
        }
        int variants = listeners.size();
        List<List<TrainingListener>> of = listeners;
        int[] current = {-1};
        String[] kinds = new String[steps];
        long[] inside = new long[steps];
        Alternation.Body fit = (v, i) -> {
            if (current[0] != v) {
                net.setListeners((Collection<TrainingListener>) of.get(v));
                current[0] = v;
            }
            boolean measured = v == 1 && i >= warmup;
            if (measured) {
                kinds[i - warmup] = SamplingRecorder.kindOf(net.getIterationCount() + 1);
            }
            long before = measured ? attachment.timeInNnvizNanos() : 0;
            net.fit(batches.get(i % batches.size()));
            if (measured) {
                inside[i - warmup] = attachment.timeInNnvizNanos() - before;
            }
        };
        // warm-up: JIT, natives, workspaces
        Alternation.run(variants, warmup / BLOCK, BLOCK, fit);
        warmNnviz(batches);
        // the hook's own steady state: its capture budget settles its intervals over its first thousand steps or so (the
        // other harnesses train 6,000 steps first); the network is the one every variant trains, so no variant gains
        for (int i = 0; i < HOOK_WARMUP + Alternation.SHIFT; i++) { // the shift: captures inside the measured turns
            fit.step(1, i % warmup);
        }
        long insideBefore = attachment.timeInNnvizNanos(); // the warm-up's steps are not measured
        Alternation runs = Alternation.run(variants, blocks, BLOCK, (v, s) -> fit.step(v, warmup + s));
        attachment.close();
        System.out.printf("LeNet (conv20-pool-conv50-pool-fc500-out10), Fashion-MNIST, batch %d, OMP_NUM_THREADS=%s%n", BATCH,
                System.getenv("OMP_NUM_THREADS"));
        System.out.println(Alternation.describe(steps, blocks, BLOCK, CYCLE, warmup));
        System.out.printf("nnviz's code warmed first: a recorder on a narrow LeNet for %,d steps; then the hook on the network for %,d"
                + " steps%n", Alternation.WARMUP, HOOK_WARMUP);
        runs.report(names, steps, " (ND4J runs on it with OMP_NUM_THREADS=1)");
        runs.reportByKind(names, s -> kinds[s]);
        double insideMs = (attachment.timeInNnvizNanos() - insideBefore) / 1e6 / steps;
        System.out.printf("time inside nnviz (backend copies + hook), measured where it happens: %.3f ms per step = %.2f%% of an"
                + " unhooked step%n", insideMs, insideMs / runs.baselineMs(steps) * 100);
        InsideByStep.print(inside, runs.baselineMs(steps));
        try (ModelView model = NNViz.inspect(net)) {
            choice.printSummary(model, attachment.hookErrors());
        }
    }
}
