package io.nnviz.recording;

import io.nnviz.api.hook.ManualTraining;
import io.nnviz.api.testkit.FashionMnist;

import java.nio.file.Path;
import java.util.Map;

/**
 * A worker process of {@link RunsWorkersTest}: trains softmax regression on Fashion-MNIST into a
 * runs root with a recorder, printing each step after it is logged; {@code steps} 0 trains until killed.
 *
 * <pre>java -cp ... io.nnviz.recording.RunWriterMain ROOT NAME STEPS</pre>
 */
public final class RunWriterMain {
    private RunWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        String name = args[1];
        long steps = Long.parseLong(args[2]);
        Recorder rec = Recorder.builder().name(name).hyperparameters(Map.of("worker", name)).runsRoot(root).build();
        SoftmaxRegression net = new SoftmaxRegression(FashionMnist.trainCached(1024), 8);
        try (ManualTraining run = ManualTraining.start(SoftmaxRegression.model(), rec)) {
            for (int s = 0; steps == 0 || s < steps; s++) {
                double loss = net.step(s);
                run.stepEnd(loss, r -> net.snapshot());
                System.out.println("step " + (s + 1) + " " + Double.doubleToLongBits(loss));
                System.out.flush();
                Thread.sleep(2);
            }
        }
        rec.close();
    }
}
