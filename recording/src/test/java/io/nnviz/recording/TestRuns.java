package io.nnviz.recording;

import io.nnviz.api.hook.ManualTraining;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.testkit.FashionMnist;

import java.util.List;
import java.util.Map;

/** Small runs for tests here and in the dashboard's: hand-made logs, and a recorder after a few real training steps. */
public final class TestRuns {
    private TestRuns() {
    }

    /** A run log named {@code name} with {@code hyperparameters} and the loss 1/s at steps 1..{@code steps}. */
    public static MutableRunLog losses(String name, Map<String, ?> hyperparameters, int steps) {
        MutableRunLog log = MutableRunLog.create(RunInfo.named(name).with(hyperparameters, List.of(), List.of()), 1000);
        for (int s = 1; s <= steps; s++) {
            log.scalar("loss", s, 1.0 / s);
        }
        return log;
    }

    /** {@code rec} after {@code steps} steps of softmax regression on Fashion-MNIST (256 images), its attachment closed. */
    public static Recorder softmaxSteps(Recorder rec, int steps) {
        try (ManualTraining run = ManualTraining.start(SoftmaxRegression.model(), rec)) {
            SoftmaxRegression net = new SoftmaxRegression(FashionMnist.trainCached(256), 8);
            for (int s = 0; s < steps; s++) {
                run.stepEnd(net.step(s), r -> net.snapshot());
            }
        }
        return rec;
    }
}
