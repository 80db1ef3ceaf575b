package io.nnviz.examples;

import io.nnviz.api.Model;
import io.nnviz.api.Tensor;
import io.nnviz.renderers.figures.ActivationGrid;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.SaliencyOverlay;
import io.nnviz.renderers.record.Recorder;
import io.nnviz.renderers.report.HtmlReport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The report every CNN example writes, whatever the framework: the run, the test results and a probe image. */
final class RunReport {
    private RunReport() {
    }

    /** What a run produced. */
    record Result(Path index, double accuracy, int testImages, long steps, long hookErrors) {
    }

    /**
     * Writes the report: the recorder's figures, the confusion matrix of {@code predicted} (one
     * class per test image) and, for test image 0, activations of {@code conv1} and {@code conv2},
     * saliency and Grad-CAM for its predicted class; then the run as JSON.
     */
    static Result write(String title, Model model, Recorder recorder, Images test, int[] predicted, String conv1, String conv2,
                        Path out, long steps, long hookErrors) throws IOException {
        long[][] confusion = new long[10][10];
        int correct = 0;
        for (int i = 0; i < test.size(); i++) {
            confusion[test.labels()[i]][predicted[i]]++;
            correct += predicted[i] == test.labels()[i] ? 1 : 0;
        }
        double accuracy = correct / (double) test.size();
        HtmlReport report = HtmlReport.titled(title).model(model);
        recorder.addTo(report);
        report.section("Results").figure("confusion", Heatmap.confusionMatrix(confusion, Images.CLASSES, true)
                .title(String.format("Test images (%d), accuracy %.1f%%", test.size(), accuracy * 100)).build());
        Tensor probe = Tensor.of(test.pixels()[0], 1, 1, 28, 28);
        String cls = Images.CLASSES.get(predicted[0]);
        report.section("A probe image: " + Images.CLASSES.get(test.labels()[0]) + " (predicted " + cls + ")");
        report.figure("activations conv1", ActivationGrid.of(model.activations(probe, List.of(conv1)).get(conv1).slice(0))
                .overlay(probe.slice(0), 0.6).title(conv1 + " activations over the probe").build());
        report.figure("activations conv2", ActivationGrid.of(model.activations(probe, List.of(conv2)).get(conv2).slice(0))
                .topK(16).title(conv2 + ": the 16 most active channels").build());
        report.figure("saliency", SaliencyOverlay.saliency(probe.slice(0), model.inputGradient(probe, predicted[0]).slice(0))
                .title("Saliency for " + cls).build());
        report.figure("grad-cam", SaliencyOverlay.gradCam(probe.slice(0), model.layerGradient(probe, conv2, predicted[0]))
                .title("Grad-CAM at " + conv2 + " for " + cls).build());
        Path index = report.write(out);
        recorder.writeJson(out.resolve("run.json"));
        return new Result(index, accuracy, test.size(), steps, hookErrors);
    }
}
