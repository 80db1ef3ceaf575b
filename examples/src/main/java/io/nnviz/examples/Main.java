package io.nnviz.examples;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The main job: trains an example network with nnviz attached and writes its report.
 *
 * <pre>mvn -B -q -pl examples exec:exec@main -Dnnviz.args="--steps 400 --out report"</pre>
 */
@Command(name = "nnviz-example", mixinStandardHelpOptions = true, version = "nnviz 0.1.0-SNAPSHOT",
        description = "Trains an example network with nnviz hooks attached and writes an HTML report with its figures.")
public final class Main implements Callable<Integer> {
    @Option(names = "--backend", defaultValue = "dl4j", description = "Framework: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Backend backend;

    @Option(names = "--example", defaultValue = "cnn", description = "Example: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Example example;

    @Option(names = "--steps", defaultValue = "400", description = "Training steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--out", defaultValue = "report", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    enum Backend { dl4j, tensorflow, djl }

    enum Example { cnn }

    @Override
    public Integer call() throws Exception {
        if (backend == Backend.tensorflow) {
            System.err.println("The TensorFlow example is not written yet (issue #7); --backend dl4j and --backend djl run today.");
            return 2;
        }
        if (steps < 1 || batch < 1) {
            System.err.println("--steps and --batch must be positive");
            return 2;
        }
        RunReport.Result r;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("Training " + example + " (" + backend + ")")
                .setInitialMax(steps).setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).continuousUpdate().build()) {
            r = backend == Backend.djl ? DjlCnn.run(steps, batch, out, bar::stepTo) : Dl4jCnn.run(steps, batch, out, bar::stepTo);
        }
        System.out.printf("Test accuracy: %.1f%% on %d held-out Fashion-MNIST images%n", r.accuracy() * 100, r.testImages());
        if (r.hookErrors() > 0) {
            System.out.println("Hook errors during training: " + r.hookErrors() + " (see the log)");
        }
        System.out.println("Report: " + r.index().toAbsolutePath());
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
