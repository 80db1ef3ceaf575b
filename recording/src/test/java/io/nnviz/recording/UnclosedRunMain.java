package io.nnviz.recording;

import io.nnviz.api.hook.ManualTraining;
import io.nnviz.testkit.FashionMnist;

import java.nio.file.Path;

/**
 * A program that trains with a recorder and returns from main without closing it, logging a
 * validation value and a late scalar after its attachment is closed ({@link NothingLostTest}).
 *
 * <pre>java -cp ... io.nnviz.recording.UnclosedRunMain ROOT NAME STEPS VALIDATION LATE</pre>
 */
public final class UnclosedRunMain {
    private UnclosedRunMain() {
    }

    public static void main(String[] args) throws Exception {
        Recorder rec = Recorder.builder().name(args[1]).runsRoot(Path.of(args[0])).build();
        SoftmaxRegression net = new SoftmaxRegression(FashionMnist.trainCached(256), 8);
        try (ManualTraining training = ManualTraining.start(SoftmaxRegression.model(), rec)) {
            for (int s = 0; s < Integer.parseInt(args[2]); s++) {
                double loss = net.step(s);
                training.stepEnd(loss, r -> net.snapshot());
            }
        }
        rec.epochScalar("validation/accuracy", 0, Double.parseDouble(args[3]));
        rec.scalar("late", Double.parseDouble(args[4]));
        // no rec.close(): the JVM exits with the recorder open
    }
}
