package io.nnviz.examples.spark;

import io.nnviz.recording.Runs;
import io.nnviz.recording.view.RunComparison;
import io.nnviz.renderers.report.HtmlReport;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A hyperparameter sweep on Apache Spark: one task per configuration ({@link SweepTask}), each
 * recording its run into the shared runs root; the driver then reads the root back and writes the
 * comparison report.
 *
 * <pre>
 * spark-submit --class io.nnviz.examples.spark.SparkSweep --master yarn \
 *   --jars "$(ls examples-spark/target/lib/*.jar | paste -sd,)" examples-spark/target/nnviz-examples-spark-0.1.0-SNAPSHOT.jar \
 *   hdfs://namenode:8020/nnviz/runs/sweep1 report/ 0.0003:64,0.001:64,0.003:128,0.01:128
 * </pre>
 * Without a master (plain {@code java}), Spark runs in local mode on every core.
 */
public final class SparkSweep {
    private SparkSweep() {
    }

    /** {@code ROOT OUT [LR:HIDDEN,...] [EPOCHS]}. */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: SparkSweep ROOT OUT [LR:HIDDEN,...] [EPOCHS]");
            System.exit(2);
        }
        List<SweepTask.Config> configs = configs(args.length > 2 ? args[2] : "0.0003:64,0.001:64,0.003:128,0.01:128",
                args.length > 3 ? Integer.parseInt(args[3]) : 2, 12_000, 2_000);
        SparkConf conf = new SparkConf().setAppName("nnviz sweep").setIfMissing("spark.master", "local[*]");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            List<SweepTask.Result> results = sweep(sc, args[0], configs);
            Path index = report(args[0], Path.of(args[1]));
            for (SweepTask.Result r : results) {
                System.out.printf(Locale.ROOT, "%-24s validation accuracy %.4f, loss %.4f, %d steps%n", r.run(), r.validationAccuracy(),
                        r.validationLoss(), r.steps());
            }
            System.out.println("report: " + index.toAbsolutePath());
        }
    }

    /** Configurations from {@code "LR:HIDDEN,..."}. */
    public static List<SweepTask.Config> configs(String spec, int epochs, int trainImages, int validationImages) {
        List<SweepTask.Config> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String[] f = part.trim().split(":");
            if (f.length != 2) {
                throw new IllegalArgumentException("a configuration is LR:HIDDEN, not " + part);
            }
            out.add(new SweepTask.Config(Double.parseDouble(f[0]), Integer.parseInt(f[1]), epochs, trainImages, validationImages));
        }
        return out;
    }

    /** Trains every configuration, one Spark task each, into {@code root}; the tasks' own final metrics. */
    public static List<SweepTask.Result> sweep(JavaSparkContext sc, String root, List<SweepTask.Config> configs) {
        return sc.parallelize(configs, configs.size()).map(c -> SweepTask.train(root, c)).collect();
    }

    /** The comparison report of every run in {@code root}, written to {@code out}; its index page. */
    public static Path report(String root, Path out) throws IOException {
        Runs runs = Runs.open(root);
        runs.problems().forEach(p -> System.err.println("nnviz: " + p));
        return RunComparison.of(runs.logs()).addTo(HtmlReport.titled("Sweep: " + runs.logs().size() + " runs from " + root)).write(out);
    }
}
