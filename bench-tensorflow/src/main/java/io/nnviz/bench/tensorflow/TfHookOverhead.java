package io.nnviz.bench.tensorflow;

import io.nnviz.api.NNViz;
import io.nnviz.api.hook.Hook;
import io.nnviz.backend.tensorflow.TfModel;
import io.nnviz.backend.tensorflow.TfNets;
import io.nnviz.backend.tensorflow.TfTraining;
import io.nnviz.bench.Alternation;
import io.nnviz.bench.HookChoice;
import io.nnviz.bench.SamplingRecorder;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The training-hook overhead of issue #6: the Ops-API CNN of the TensorFlow tests (LeNet's size) on
 * Fashion-MNIST, batch 32, one intra-op thread. An unhooked copy, a copy stepped through
 * {@link TfTraining} with the sampling ({@link SamplingRecorder}: loss every step, weight
 * histograms every 10, activations of every layer for 4 samples every 50), and a second unhooked
 * copy as an A/A control, in turns of 10 steps on the same batches. With the argument
 * {@code diagnose}, two more: a loop that fetches its loss itself, and {@link TfTraining} with a hook
 * that asks for nothing.
 *
 * <p>Every copy first trains {@value #WARMUP} steps, the hooked one with its hook attached: the
 * figure wanted is a long run's steady state, after the JIT has compiled nnviz's paths and the
 * heap's pages have been touched once (until then each large fresh array costs page faults).
 *
 * <pre>mvn -B -q -pl bench-tensorflow -am install -DskipTests && mvn -B -q -pl bench-tensorflow exec:exec@tf-hook-overhead</pre>
 */
public final class TfHookOverhead {
    private static final int BLOCK = 10, CYCLE = 50, WARMUP = 500;

    private TfHookOverhead() {
    }

    public static void main(String[] args) throws Exception {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int blocks = cycles * CYCLE / BLOCK, steps = blocks * BLOCK;
        boolean diagnose = Arrays.asList(args).contains("diagnose");
        HookChoice choice = HookChoice.of(args);
        List<String> names = new ArrayList<>(List.of("unhooked", choice.name() + " (TfTraining)", "unhooked again"));
        if (diagnose) {
            names.addAll(List.of("loop fetching its loss", "TfTraining, idle hook"));
        }
        int variants = names.size();
        TfNets[] nets = new TfNets[variants];
        TfModel[] models = new TfModel[variants];
        TfTraining[] trainings = new TfTraining[variants];
        try {
            for (int v = 0; v < variants; v++) {
                nets[v] = TfNets.lenet();
            }
            models[1] = (TfModel) NNViz.inspect(nets[1].handle());
            trainings[1] = TfTraining.attach(models[1], nets[1].loss, choice.hook());
            if (diagnose) {
                models[4] = (TfModel) NNViz.inspect(nets[4].handle());
                trainings[4] = TfTraining.attach(models[4], nets[4].loss, new Hook() { });
            }
            Alternation.Body step = (v, i) -> {
                TfNets n = nets[v];
                if (trainings[v] == null && v != 3) {
                    n.fit(i);
                    return;
                }
                try (TFloat32 x = n.features(i); TFloat32 y = n.targets(i)) {
                    if (v == 3) {
                        try (Result r = n.session.runner().fetch(n.loss).feed(n.input, x).feed(n.labels, y).addTarget(n.train).run()) {
                            ((TFloat32) r.get(0)).getFloat();
                        }
                        return;
                    }
                    TfTraining.Step s = trainings[v].step();
                    try (Result r = s.runner().feed(n.input, x).feed(n.labels, y).addTarget(n.train).run()) {
                        s.done(r);
                    }
                }
            };
            for (int v = 0; v < variants; v++) {
                for (int i = 0; i < WARMUP; i++) {
                    step.step(v, i);
                }
            }
            long insideBefore = trainings[1].timeInNnvizNanos();
            Alternation runs = Alternation.run(variants, blocks, BLOCK, (v, s) -> step.step(v, WARMUP + s));
            long inside = trainings[1].timeInNnvizNanos() - insideBefore;
            String[] labels = names.toArray(new String[0]);
            System.out.printf("TensorFlow Java LeNet (conv20-pool-conv50-pool-fc500-out10), Fashion-MNIST, batch %d, 1 intra-op thread%n",
                    TfNets.BATCH);
            System.out.println(Alternation.describe(steps, blocks, BLOCK, CYCLE, WARMUP));
            runs.report(labels, steps, "");
            runs.reportByKind(labels, s -> SamplingRecorder.kindOf(WARMUP + s + 1)); // the hook saw the warm-up too
            double ms = inside / 1e6 / steps;
            System.out.printf("time inside nnviz (fetch setup, copies, hook), measured where it happens: %.3f ms per step = %.2f%%"
                    + " of an unhooked step%n", ms, ms / runs.baselineMs(steps) * 100);
            for (TfTraining t : trainings) {
                if (t != null) {
                    t.close();
                }
            }
            choice.printSummary(models[1], trainings[1].hookErrors());
        } finally {
            for (int v = 0; v < variants; v++) {
                if (models[v] != null) {
                    models[v].close();
                }
                if (nets[v] != null) {
                    nets[v].close();
                }
            }
        }
    }
}
