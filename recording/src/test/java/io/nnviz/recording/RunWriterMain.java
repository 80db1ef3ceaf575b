package io.nnviz.recording;

import io.nnviz.api.hook.ManualTraining;
import io.nnviz.testkit.FashionMnist;

import java.util.Map;

/**
 * A worker process of {@link RunsWorkersTest}: trains softmax regression on Fashion-MNIST into a
 * runs root (a path or a URI: {@code hdfs://...}) with a recorder, printing each step after it is
 * logged; {@code steps} 0 trains until killed. With RUNID and WORKER it writes that worker's shard
 * of one run, on batches of its own (as data-parallel workers), so workers log different losses at
 * the same steps.
 *
 * <pre>java -cp ... io.nnviz.recording.RunWriterMain ROOT NAME STEPS [RUNID WORKER]</pre>
 */
public final class RunWriterMain {
    private RunWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        String root = args[0];
        String name = args[1];
        long steps = Long.parseLong(args[2]);
        RecorderBuilder b = Recorder.builder().name(name).hyperparameters(Map.of("worker", name)).runsRoot(root);
        int offset = 0;
        if (args.length == 5) {
            b.worker(args[3], args[4]);
            offset = 1 + Math.floorMod(args[4].hashCode(), 97);
        }
        Recorder rec = b.build();
        SoftmaxRegression net = new SoftmaxRegression(FashionMnist.trainCached(1024), 8);
        try (ManualTraining run = ManualTraining.start(SoftmaxRegression.model(), rec)) {
            for (int s = 0; steps == 0 || s < steps; s++) {
                double loss = net.step(s + offset);
                run.stepEnd(loss, r -> net.snapshot());
                System.out.println("step " + (s + 1) + " " + Double.doubleToLongBits(loss));
                System.out.flush();
                Thread.sleep(2);
            }
        }
        rec.close();
    }
}
