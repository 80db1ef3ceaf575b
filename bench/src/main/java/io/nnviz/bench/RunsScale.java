package io.nnviz.bench;

import io.nnviz.recording.Runs;
import io.nnviz.recording.format.RunEvents;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.sink.EventLogSink;
import io.nnviz.recording.sink.JsonSink;
import io.nnviz.recording.sink.TensorBoardSink;
import io.nnviz.recording.view.RunComparison;
import io.nnviz.renderers.report.HtmlReport;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 20's benchmark: many synthetic runs under one root, then the comparison read and drawn.
 *
 * <pre>
 * java -cp benchmarks.jar io.nnviz.bench.RunsScale generate ROOT RUNS STEPS [--no-snapshot]
 * java -Xmx1g -cp benchmarks.jar io.nnviz.bench.RunsScale compare ROOT OUT
 * </pre>
 * {@code generate} writes each run with nnviz's own writers, as a Recorder under a runs root would:
 * {@code events.jsonl} with every value, {@code run.json} (its series downsampled to 1,000 points,
 * as the recorder keeps them; left out with --no-snapshot, as after a crash) and TensorBoard event
 * files (for TensorBoard's own loading, the peer), 5 metrics a step. {@code compare} reads the root
 * ({@link Runs}) and writes the comparison report, and prints the seconds and the peak heap.
 */
public final class RunsScale {
    private RunsScale() {
    }

    static final String[] METRICS = {"loss", "train/accuracy", "validation/loss", "validation/accuracy", "learning_rate"};

    public static void main(String[] args) throws Exception {
        if (args[0].equals("generate")) {
            generate(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), args.length > 4 && args[4].equals("--no-snapshot"));
        } else {
            compare(Path.of(args[1]), Path.of(args[2]));
        }
    }

    static void generate(Path root, int runs, int steps, boolean noSnapshot) throws Exception {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
        AtomicInteger done = new AtomicInteger();
        List<Future<?>> all = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            int run = r;
            all.add(pool.submit(() -> {
                double lr = 1e-4 * Math.pow(10, (run % 20) / 5.0), width = 32 << (run % 4);
                MutableRunLog log = MutableRunLog.create(RunInfo.named("run-" + run).with(Map.of("lr", lr, "width", (int) width, "seed", run),
                        List.of("synthetic"), List.of()), 1000);
                Path dir = root.resolve(String.format("run-%04d", run));
                EventLogSink events = new EventLogSink(dir.resolve(RunEvents.FILE), log);
                TensorBoardSink tb = new TensorBoardSink(dir.resolve("tensorboard"));
                Random rnd = new Random(run);
                for (int s = 1; s <= steps; s++) {
                    double progress = 1 - Math.exp(-s * lr * 2);
                    double[] v = {2.3 * (1 - progress) + 0.1 * rnd.nextGaussian() * (1 - progress) + 0.05, 0.1 + 0.8 * progress,
                            2.3 * (1 - 0.9 * progress) + 0.05, 0.1 + 0.75 * progress, lr * Math.pow(0.5, s / 2500.0)};
                    for (int m = 0; m < METRICS.length; m++) {
                        log.scalar(METRICS[m], s, v[m]);
                        events.scalar(METRICS[m], s, v[m]);
                        tb.scalar(METRICS[m], s, v[m]);
                    }
                    log.advance(s, 0);
                    log.wallClock(log.info().started().toEpochMilli() + s * 20L);
                }
                events.close(log);
                tb.close(log);
                if (!noSnapshot) {
                    new JsonSink(dir.resolve(Runs.RUN_FILE)).flush(log);
                }
                if (done.incrementAndGet() % 100 == 0) {
                    System.err.printf("%d runs written%n", done.get());
                }
                return null;
            }));
        }
        for (Future<?> f : all) {
            f.get();
        }
        pool.shutdown();
        System.out.printf("generated %d runs x %d steps x %d metrics in %.1f s%n", runs, steps, METRICS.length, (System.nanoTime() - t0) / 1e9);
    }

    static void compare(Path root, Path out) throws Exception {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            p.resetPeakUsage();
        }
        long t0 = System.nanoTime();
        Runs runs = Runs.open(root);
        double read = (System.nanoTime() - t0) / 1e9;
        Path index = RunComparison.of(runs.logs()).addTo(HtmlReport.titled(runs.logs().size() + " runs")).write(out);
        double total = (System.nanoTime() - t0) / 1e9;
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                peak += p.getPeakUsage().getUsed();
            }
        }
        long points = 0;
        for (RunLog l : runs.logs()) {
            for (String s : l.stepSeriesNames()) {
                points += l.stepSeries(s).size();
            }
        }
        long bytes;
        try (var files = Files.walk(out)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        System.out.printf("nnviz: %d runs read in %.2f s (%d points kept), report written in %.2f s total; peak heap %d MiB; report %d MiB; %s%n",
                runs.logs().size(), read, points, total, peak >> 20, bytes >> 20, index);
        if (!runs.problems().isEmpty()) {
            System.out.println("problems: " + runs.problems().size() + ", first: " + runs.problems().get(0));
        }
    }
}
