package io.nnviz.examples;

import io.nnviz.api.ModelView;
import io.nnviz.recording.Recorder;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.Scatter;
import io.nnviz.renderers.report.HtmlReport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The report every example writes, whatever the framework and task: the recorded run and the test results. */
public final class RunReport {
    private RunReport() {
    }

    /**
     * What a run produced.
     *
     * @param accuracy held-out accuracy of a classifier (NaN for the regressor)
     * @param r2       held-out R² of the regressor (NaN for classifiers)
     */
    public record Result(Path index, double accuracy, double r2, int testSamples, long steps, long hookErrors) {
        /** One line for the console. */
        public String summary() {
            return Double.isNaN(accuracy)
                    ? String.format("Test R²: %.3f on %d held-out Fashion-MNIST images", r2, testSamples)
                    : String.format("Test accuracy: %.1f%% on %d held-out Fashion-MNIST images", accuracy * 100, testSamples);
        }
    }

    /** Test images the embedding projector shows (a classifier's representation of them, by PCA). */
    static final int EMBEDDED = 300;

    /**
     * The recorder every example attaches: the defaults, a probe (test image 0) whose activations
     * are kept four times in the run and whose saliency the report shows, for a classifier the
     * embedding of 300 test images, and TensorBoard files in {@code out/tensorboard}.
     */
    public static Recorder recorder(Task task, Images test, int steps, Path out) {
        var b = Recorder.builder().probes(task.tensor(test, 0, 1)).probesEvery(Math.max(1, steps / 4))
                .classNames(task.classifier() ? Images.CLASSES : List.of()).name(task.name())
                .tensorBoard(out.resolve("tensorboard"));
        if (task.classifier()) {
            int n = Math.min(EMBEDDED, test.labels().length);
            b.embeddings(task.tensor(test, 0, n), Arrays.copyOf(test.labels(), n));
        }
        return b.build();
    }

    /**
     * Writes the report to {@code out}: the recorder's figures (architecture, curves, histograms,
     * filters, probe activations and saliency) and the test results, a confusion matrix for a
     * classifier or predicted against true values for the regressor; then the run as JSON.
     *
     * @param outputs the model's outputs for each test image: ten class scores or one value
     */
    public static Result write(Task task, String framework, ModelView model, Recorder recorder, Images test, float[][] outputs,
                               Path out, long steps, long hookErrors) throws IOException {
        HtmlReport report = HtmlReport.titled(task.title() + " (" + framework + ", " + steps + " steps)").model(model);
        recorder.addTo(report);
        report.section("Results");
        double accuracy = Double.NaN, r2 = Double.NaN;
        if (task.classifier()) {
            long[][] confusion = new long[10][10];
            int correct = 0;
            for (int i = 0; i < outputs.length; i++) {
                int p = argmax(outputs[i]);
                confusion[test.labels()[i]][p]++;
                correct += p == test.labels()[i] ? 1 : 0;
            }
            accuracy = correct / (double) outputs.length;
            report.figure("confusion", Heatmap.confusionMatrix(confusion, Images.CLASSES, true)
                    .title(String.format("Test images (%d), accuracy %.1f%%", outputs.length, accuracy * 100)).build());
        } else {
            double[] truth = new double[outputs.length], predicted = new double[outputs.length];
            double mean = 0;
            for (int i = 0; i < outputs.length; i++) {
                truth[i] = Task.bottomBrightness(test, i);
                predicted[i] = outputs[i][0];
                mean += truth[i] / outputs.length;
            }
            double ssRes = 0, ssTot = 0;
            for (int i = 0; i < outputs.length; i++) {
                ssRes += (truth[i] - predicted[i]) * (truth[i] - predicted[i]);
                ssTot += (truth[i] - mean) * (truth[i] - mean);
            }
            r2 = 1 - ssRes / ssTot;
            report.figure("regression", Scatter.predictedVsTrue(truth, predicted)
                    .title("Bottom-half brightness of " + outputs.length + " test images").build());
        }
        Path index = report.write(out);
        recorder.writeJson(out.resolve("run.json"));
        recorder.close();
        return new Result(index, accuracy, r2, outputs.length, steps, hookErrors);
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
