package io.nnviz.examples.tensorflow;

import io.nnviz.NNViz;
import io.nnviz.backend.tensorflow.TfModel;
import io.nnviz.backend.tensorflow.TfTraining;
import io.nnviz.examples.Images;
import io.nnviz.examples.RunReport;
import io.nnviz.examples.Task;
import io.nnviz.recording.Recorder;
import org.tensorflow.Result;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/**
 * The four examples on TensorFlow Java: the same tasks, data and report as the DL4J and DJL ones.
 * TensorFlow Java has no trainer, so the loop is the user's own: it runs each step, fetching the
 * loss, and hands the loss to {@link TfTraining#stepEnd}; nnviz copies what the {@link Recorder}
 * asked for after the step, in a run of its own.
 */
public final class TfExamples {
    private TfExamples() {
    }

    /** Trains {@code task} for {@code steps} batches with a {@link Recorder} attached and writes the report to {@code out}. */
    public static RunReport.Result run(Task task, int steps, int batch, Path out, LongConsumer progress) throws IOException {
        Images train = Images.load(false, 60_000), test = Images.load(true, 2_000);
        Recorder recorder = RunReport.recorder(task, test, steps, out);
        try (TfNetworks net = TfNetworks.of(task);
             TfModel model = (TfModel) NNViz.inspect(net.handle())) {
            long errors;
            try (TfTraining training = TfTraining.attach(model, recorder)) {
                for (int s = 0; s < steps; s++) {
                    int from = (s * batch) % (train.size() - batch);
                    try (TFloat32 x = inputs(task, train, from, batch);
                         TFloat32 y = TFloat32.tensorOf(Shape.of(batch, task.outputs()),
                                 DataBuffers.of(task.targets(train, from, batch), true, false));
                         Result r = net.session.runner().feed(net.input, x).feed(net.labels, y).fetch(net.loss).addTarget(net.train).run()) {
                        training.stepEnd(((TFloat32) r.get(0)).getFloat());
                    }
                    progress.accept(s + 1);
                }
                errors = training.hookErrors();
            }
            float[][] outputs = new float[test.size()][];
            for (int from = 0; from < test.size(); from += 250) {
                int n = Math.min(250, test.size() - from);
                try (TFloat32 x = inputs(task, test, from, n);
                     Result r = net.session.runner().feed(net.input, x).fetch(net.output).run()) {
                    TFloat32 y = (TFloat32) r.get(0);
                    for (int i = 0; i < n; i++) {
                        outputs[from + i] = new float[task.outputs()];
                        for (int k = 0; k < task.outputs(); k++) {
                            outputs[from + i][k] = y.getFloat(i, k);
                        }
                    }
                }
            }
            return RunReport.write(task, "TensorFlow Java " + TensorFlow.version(), model, recorder, test, outputs,
                    out, steps, errors);
        }
    }

    /** Inputs in the graph's layout: images NHWC {@code [N, 28, 28, 1]}, rows {@code [N, 28, 28]}, flat vectors. */
    static TFloat32 inputs(Task task, Images d, int from, int n) {
        Shape shape = switch (task) {
            case cnn -> Shape.of(n, Task.SIDE, Task.SIDE, 1);
            case lstm -> Shape.of(n, Task.SIDE, Task.SIDE);
            case mlp, regressor -> Shape.of(n, task.features());
        };
        return TFloat32.tensorOf(shape, DataBuffers.of(task.inputs(d, from, n), true, false));
    }
}
