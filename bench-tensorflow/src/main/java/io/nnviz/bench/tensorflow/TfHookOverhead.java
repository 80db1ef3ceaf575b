package io.nnviz.bench.tensorflow;

import io.nnviz.bench.Alternation;
import io.nnviz.bench.HookChoice;

import io.nnviz.api.NNViz;
import io.nnviz.backend.tensorflow.TfModel;
import io.nnviz.backend.tensorflow.TfNets;
import io.nnviz.backend.tensorflow.TfTraining;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

/**
 * The training-hook overhead of issue #6: the Ops-API CNN of the TensorFlow tests on Fashion-MNIST,
 * batch 32, one intra-op thread; an unhooked copy, a copy stepped through {@link TfTraining} with the
 * same sampling as the DL4J harness ({@link SamplingRecorder}) (loss every step, weight histograms every 10, activations of
 * every layer for 4 samples every 50), and a second unhooked copy as an A/A control, in turns of 10
 * steps on the same batches.
 *
 * <pre>mvn -B -q -pl bench-tensorflow -am install -DskipTests && mvn -B -q -pl bench-tensorflow exec:exec@tf-hook-overhead</pre>
 */
public final class TfHookOverhead {
    private static final int BLOCK = 10, CYCLE = 50;

    private TfHookOverhead() {
    }

    public static void main(String[] args) throws Exception {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int blocks = cycles * CYCLE / BLOCK, warmup = 30, steps = blocks * BLOCK;
        try (TfNets plain = TfNets.lenet(); TfNets hooked = TfNets.lenet(); TfNets control = TfNets.lenet();
             TfNets lossOnly = TfNets.lenet(); TfNets idle = TfNets.lenet()) {
            for (TfNets n : new TfNets[] {plain, hooked, control, lossOnly, idle}) {
                for (int i = 0; i < warmup; i++) {
                    n.fit(i);
                }
            }
            HookChoice choice = HookChoice.of(args);
            TfModel model = (TfModel) NNViz.inspect(hooked.handle());
            TfTraining training = TfTraining.attach(model, hooked.loss, choice.hook());
            // what a loop costs that fetches its loss itself, and nnviz with a hook that asks for nothing
            TfModel idleModel = (TfModel) NNViz.inspect(idle.handle());
            TfTraining idleTraining = TfTraining.attach(idleModel, idle.loss, new io.nnviz.api.hook.Hook() { });
            TfNets[] nets = {plain, hooked, control, lossOnly, idle};
            TfTraining[] trainings = {null, training, null, null, idleTraining};
            Alternation runs = Alternation.run(nets.length, blocks, (v, b) -> {
                for (int s = 0; s < BLOCK; s++) {
                    int batch = warmup + b * BLOCK + s;
                    TfNets n = nets[v];
                    if (trainings[v] == null && v != 3) {
                        n.fit(batch);
                        continue;
                    }
                    try (TFloat32 x = n.features(batch); TFloat32 y = n.targets(batch)) {
                        if (v == 3) {
                            try (Result r = n.session.runner().fetch(n.loss).feed(n.input, x).feed(n.labels, y).addTarget(n.train).run()) {
                                r.get(0);
                            }
                            continue;
                        }
                        TfTraining.Step step = trainings[v].step();
                        try (Result r = step.runner().feed(n.input, x).feed(n.labels, y).addTarget(n.train).run()) {
                            step.done(r);
                        }
                    }
                }
            });
            idleTraining.close();
            idleModel.close();
            training.close();
            System.out.printf("TensorFlow Java LeNet (conv20-pool-conv50-pool-fc500-out10), Fashion-MNIST, batch %d, 1 intra-op thread%n",
                    TfNets.BATCH);
            System.out.println(Alternation.describe(steps, blocks, BLOCK, CYCLE, warmup));
            runs.report(new String[] {"unhooked", choice.name() + " (TfTraining)", "unhooked again", "loop fetching loss", "TfTraining, idle hook"},
                    steps, "");
            double inside = training.timeInNnvizNanos() / 1e6 / steps;
            System.out.printf("time inside nnviz (fetch setup, copies, hook), measured where it happens: %.3f ms per step = %.2f%%"
                    + " of an unhooked step%n", inside, inside / runs.baselineMs(steps) * 100);
            choice.printSummary(model, training.hookErrors());
            model.close();
        }
    }
}
