package io.nnviz.bench;

import io.nnviz.api.Histogram;
import io.nnviz.api.NNViz;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.LayerSelector;
import io.nnviz.api.hook.TrainingEvent;
import io.nnviz.api.testkit.FashionMnist;
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
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The training-hook overhead of issue #4, measured as the issue asks: LeNet on Fashion-MNIST,
 * batch 32, one thread (run with OMP_NUM_THREADS=1); copies of the same network, unhooked, with
 * nnviz's hook, and with DL4J's own StatsListener (in-memory storage, default settings), take turns
 * in blocks of 10 steps on the same batches, in one JVM. The overhead is the mean step time over
 * whole sampling cycles (50 steps: the hook keeps the loss every step, weight histograms every 10,
 * activations of every layer for 4 samples every 50), paired block against block.
 *
 * <pre>mvn -B -q -pl bench -am install -DskipTests && mvn -B -q -pl bench exec:exec@hook-overhead</pre>
 * The number of 50-step cycles per variant is the first argument ({@code -Dnnviz.cycles=N} through
 * Maven; default 8).
 */
public final class HookOverhead {
    private static final int BATCH = 32, BLOCK = 10, CYCLE = 50;

    private HookOverhead() {
    }

    /** What a user's recorder keeps: loss every step, weight histograms every 10, activations every 50. */
    static final class Recorder implements Hook {
        final List<Double> loss = new ArrayList<>();
        final Map<String, List<Histogram>> histograms = new HashMap<>();
        final Map<String, Tensor> activations = new HashMap<>();
        long activationSteps;

        @Override
        public CaptureRequest request(long step, int epoch) {
            CaptureRequest r = CaptureRequest.NONE;
            if (step % 10 == 0) {
                r = CaptureRequest.weights(LayerSelector.all());
            }
            if (step % 50 == 0) {
                r = r.merge(CaptureRequest.activations(LayerSelector.all(), 4));
            }
            return r;
        }

        @Override
        public void onStepEnd(TrainingEvent e) {
            loss.add(e.loss());
            e.snapshot().weights().forEach((layer, ws) -> {
                for (WeightTensor w : ws) {
                    histograms.computeIfAbsent(layer + "/" + w.name(), k -> new ArrayList<>()).add(Histogram.of(w.values(), 30));
                }
            });
            if (!e.snapshot().activations().isEmpty()) {
                activations.putAll(e.snapshot().activations());
                activationSteps++;
            }
        }
    }

    static MultiLayerNetwork lenet() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).list()
                .layer(new ConvolutionLayer.Builder(5, 5).name("conv1").nOut(20).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool1").kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).name("conv2").nOut(50).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool2").kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().name("fc1").nOut(500).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
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
        MultiLayerNetwork base = lenet();
        MultiLayerNetwork plain = base.clone(), hooked = base.clone(), stats = base.clone(), empty = base.clone(), control = base.clone();
        // a listener that does nothing: what DL4J itself spends on having a listener at all
        empty.setListeners(new org.deeplearning4j.optimize.api.BaseTrainingListener() { });
        Recorder recorder = new Recorder();
        StatsStorage storage = new InMemoryStatsStorage();
        stats.setListeners(new StatsListener(storage));
        // "unhooked again" is an A/A control: a second unhooked copy shows the harness's own noise and bias
        MultiLayerNetwork[] nets = {plain, hooked, stats, empty, control};
        String[] names = {"unhooked", "nnviz hook", "DL4J StatsListener", "empty DL4J listener", "unhooked again"};
        int variants = nets.length;
        // warm-up: JIT, natives, workspaces (the hook is attached after, so its step phase starts at 1)
        for (MultiLayerNetwork n : nets) {
            for (int i = 0; i < warmup; i++) {
                n.fit(batches.get(i));
            }
        }
        Attachment attachment = NNViz.attach(hooked, recorder);
        long[][] nanos = new long[variants][blocks];
        long[][] cpu = new long[variants][blocks];
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int b = 0; b < blocks; b++) {
            for (int k = 0; k < variants; k++) {
                int v = (b + k) % variants; // rotate the order so no variant always runs first
                long t0 = System.nanoTime(), c0 = threads.getCurrentThreadCpuTime();
                for (int s = 0; s < BLOCK; s++) {
                    nets[v].fit(batches.get(warmup + b * BLOCK + s));
                }
                nanos[v][b] = System.nanoTime() - t0;
                cpu[v][b] = threads.getCurrentThreadCpuTime() - c0;
            }
        }
        attachment.close();
        System.out.printf("LeNet (conv20-pool-conv50-pool-fc500-out10), Fashion-MNIST, batch %d, OMP_NUM_THREADS=%s%n", BATCH,
                System.getenv("OMP_NUM_THREADS"));
        System.out.printf("%d steps per variant in %d blocks of %d (%d whole %d-step sampling cycles), after %d warm-up steps%n",
                steps, blocks, BLOCK, cycles, CYCLE, warmup);
        report("wall-clock time", nanos, names, steps, blocks);
        report("CPU time of the training thread (ND4J runs on it with OMP_NUM_THREADS=1)", cpu, names, steps, blocks);
        double inside = attachment.timeInNnvizNanos() / 1e6 / steps;
        System.out.printf("time inside nnviz (backend copies + hook), measured where it happens: %.3f ms per step = %.2f%% of an"
                + " unhooked step%n", inside, inside / (sum(nanos[0]) / 1e6 / steps) * 100);
        System.out.printf("nnviz hook kept %d losses, %d histogram series, activations at %d steps; hook errors %d%n",
                recorder.loss.size(), recorder.histograms.size(), recorder.activationSteps, attachment.hookErrors());
    }

    private static void report(String what, long[][] t, String[] names, int steps, int blocks) {
        System.out.println(what + ":");
        double plainMs = sum(t[0]) / 1e6 / steps;
        System.out.printf("  %-20s mean step %.2f ms%n", names[0], plainMs);
        for (int v = 1; v < t.length; v++) {
            double ms = sum(t[v]) / 1e6 / steps;
            double[] diff = new double[blocks];
            for (int b = 0; b < blocks; b++) {
                diff[b] = (t[v][b] - t[0][b]) / (double) t[0][b];
            }
            double mean = mean(diff), se = Math.sqrt(variance(diff, mean) / blocks);
            System.out.printf("  %-20s mean step %.2f ms, overhead %+.2f%% (paired blocks: %+.2f%% +/- %.2f%% s.e.)%n",
                    names[v], ms, (ms / plainMs - 1) * 100, mean * 100, se * 100);
        }
    }

    private static double sum(long[] a) {
        double s = 0;
        for (long v : a) {
            s += v;
        }
        return s;
    }

    private static double mean(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s / a.length;
    }

    private static double variance(double[] a, double m) {
        double s = 0;
        for (double v : a) {
            s += (v - m) * (v - m);
        }
        return a.length > 1 ? s / (a.length - 1) : 0;
    }
}
