package io.nnviz.bench.tensorflow;

import io.nnviz.NNViz;
import io.nnviz.api.hook.Hook;
import io.nnviz.backend.tensorflow.TfModel;
import io.nnviz.backend.tensorflow.TfTraining;
import io.nnviz.bench.Alternation;
import io.nnviz.bench.HookChoice;
import io.nnviz.bench.SamplingRecorder;
import io.nnviz.examples.Images;
import io.nnviz.examples.Task;
import io.nnviz.examples.tensorflow.TfNetworks;
import io.nnviz.recording.Recorder;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The training-hook overhead on TensorFlow Java: the examples' Ops-API CNN at LeNet's size
 * ({@link TfNetworks#lenet()}) on Fashion-MNIST, batch 32, one intra-op thread. Every variant is
 * the loop a user writes, fetching its loss each step, and every variant trains <em>the same
 * network</em>, in turns of 10 steps on the same batches: unhooked; hooked with {@link TfTraining}'s
 * push form ({@code step(loss)}) and the sampling ({@link SamplingRecorder}: loss every
 * step, weight histograms every 10, activations of every layer for 4 samples every 50, which the
 * loop fetches as {@link TfTraining#wanted()} says); and unhooked again, an A/A control. One network
 * for all: copies of a network differ by a few percent in step time whatever their hook (where
 * their memory lies), which hid a 0.5% target (the A/A control of copies drifted -0.3% to +3.9%
 * between runs). With the argument {@code diagnose}, one more: the same hook through
 * {@link TfTraining#run}, which adds the fetches itself.
 *
 * <p>The network first trains {@value Alternation#WARMUP} steps per variant in the same turns, so
 * the figure is a long run's steady state, after the JIT has compiled nnviz's paths and the heap's
 * pages have been touched once.
 *
 * <pre>mvn -B -q -pl bench-tensorflow -am install -DskipTests && mvn -B -q -pl bench-tensorflow exec:exec@tf-hook-overhead</pre>
 */
public final class TfHookOverhead {
    private static final int BLOCK = 10, CYCLE = 50, WARMUP = Alternation.WARMUP, BATCH = 32;

    private TfHookOverhead() {
    }

    public static void main(String[] args) throws Exception {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int blocks = cycles * CYCLE / BLOCK, steps = blocks * BLOCK;
        boolean diagnose = Arrays.asList(args).contains("diagnose");
        HookChoice choice = HookChoice.of(args);
        List<String> names = new ArrayList<>(List.of("unhooked", choice.name() + " (TfTraining.stepEnd)", "unhooked again"));
        if (diagnose) {
            names.add(choice.name() + " (TfTraining.run)");
        }
        int variants = names.size();
        Images data = Images.load(false, 60_000);
        TfTraining[] trainings = new TfTraining[variants];
        try (TfNetworks n = TfNetworks.lenet(); TfModel model = (TfModel) NNViz.inspect(n.handle())) {
            trainings[1] = TfTraining.attach(model, choice.hook());
            if (diagnose) {
                trainings[3] = TfTraining.attach(model, n.loss, choice.hook() instanceof SamplingRecorder
                        ? new SamplingRecorder() : choice.hook() instanceof Recorder ? Recorder.defaults() : new Hook() { });
            }
            Alternation.Body step = (v, i) -> {
                int from = (i * BATCH) % (data.size() - BATCH);
                try (TFloat32 x = TFloat32.tensorOf(Shape.of(BATCH, Task.SIDE, Task.SIDE, 1), DataBuffers.of(Task.cnn.inputs(data, from, BATCH), true, false));
                     TFloat32 y = TFloat32.tensorOf(Shape.of(BATCH, 10), DataBuffers.of(Task.cnn.targets(data, from, BATCH), true, false))) {
                    var runner = n.session.runner().feed(n.input, x).feed(n.labels, y).addTarget(n.train);
                    TfTraining t = trainings[v];
                    if (t != null && v == 3) {
                        try (Result r = t.run(runner)) {
                            return;
                        }
                    }
                    runner.fetch(n.loss);
                    if (t != null) {
                        t.wanted().forEach(runner::fetch);
                    }
                    try (Result r = runner.run()) {
                        float loss = ((TFloat32) r.get(0)).getFloat();
                        if (t != null) {
                            t.stepEnd(loss, Map.of(), r);
                        }
                    }
                }
            };
            Alternation.run(variants, WARMUP / BLOCK, BLOCK, step);
            Alternation.run(variants, 1, Alternation.SHIFT, step); // captures inside the measured blocks
            long insideBefore = trainings[1].timeInNnvizNanos();
            Alternation runs = Alternation.run(variants, blocks, BLOCK, (v, s) -> step.step(v, WARMUP + s));
            long inside = trainings[1].timeInNnvizNanos() - insideBefore;
            String[] labels = names.toArray(new String[0]);
            System.out.printf("TensorFlow Java LeNet (conv20-pool-conv50-pool-fc500-out10), Fashion-MNIST, batch %d, 1 intra-op thread;"
                    + " every loop fetches its loss%n", BATCH);
            System.out.println(Alternation.describe(steps, blocks, BLOCK, CYCLE, WARMUP));
            runs.report(labels, steps, "");
            runs.reportByKind(labels, s -> SamplingRecorder.kindOf(WARMUP + Alternation.SHIFT + s + 1)); // the hook saw the warm-up too
            double ms = inside / 1e6 / steps;
            System.out.printf("time inside nnviz (copies, hook), measured where it happens: %.3f ms per step = %.2f%%"
                    + " of an unhooked step%n", ms, ms / runs.baselineMs(steps) * 100);
            for (TfTraining t : trainings) {
                if (t != null) {
                    t.close();
                }
            }
            choice.printSummary(model, trainings[1].hookErrors());
        }
    }
}
