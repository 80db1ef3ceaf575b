package io.nnviz.examples;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;

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
    Task example;

    @Option(names = "--steps", defaultValue = "400", description = "Training steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--out", defaultValue = "report", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    enum Backend { dl4j, tensorflow, djl }

    /** Runs one example on one framework. */
    @FunctionalInterface
    interface Runner {
        RunReport.Result run(Task task, int steps, int batch, Path out, LongConsumer progress) throws Exception;
    }

    /** TensorFlow Java's natives cannot share a class path with DL4J's, so its examples live in their own module. */
    static final String TF_RUNNER = "io.nnviz.examples.tensorflow.TfExamples";

    /** The runner of a backend, or empty if its framework is not on this class path. */
    static Optional<Runner> runner(Backend b) {
        try {
            return Optional.of(switch (b) {
                case dl4j -> { Class.forName("org.deeplearning4j.nn.multilayer.MultiLayerNetwork"); yield Dl4jExamples::run; }
                case djl -> { Class.forName("ai.djl.Model"); yield DjlExamples::run; }
                case tensorflow -> {
                    MethodHandle h = MethodHandles.publicLookup().findStatic(Class.forName(TF_RUNNER), "run",
                            MethodType.methodType(RunReport.Result.class, Task.class, int.class, int.class, Path.class,
                                    LongConsumer.class));
                    yield (task, steps, batch, out, progress) -> {
                        try {
                            return (RunReport.Result) h.invoke(task, steps, batch, out, progress);
                        } catch (Exception | Error e) {
                            throw e;
                        } catch (Throwable t) {
                            throw new IllegalStateException(t);
                        }
                    };
                }
            });
        } catch (ReflectiveOperationException | LinkageError e) {
            return Optional.empty();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || batch < 1) {
            System.err.println("--steps and --batch must be positive");
            return 2;
        }
        Optional<Runner> runner = runner(backend);
        if (runner.isEmpty()) {
            System.err.println(backend == Backend.tensorflow
                    ? "The TensorFlow examples run from their own module (TensorFlow Java's natives cannot share a class path with"
                      + " DL4J's): mvn -B -q -pl examples-tensorflow -am install -DskipTests && mvn -B -q -pl examples-tensorflow exec:exec@main"
                    : "The " + backend + " examples are not on this class path; run them from the examples module.");
            return 2;
        }
        RunReport.Result r;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("Training " + example + " (" + backend + ")")
                .setInitialMax(steps).setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).continuousUpdate().build()) {
            r = runner.get().run(example, steps, batch, out, bar::stepTo);
        }
        System.out.println(r.summary());
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
