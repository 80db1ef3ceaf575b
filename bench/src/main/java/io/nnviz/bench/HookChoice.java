package io.nnviz.bench;

import io.nnviz.api.ModelView;
import io.nnviz.api.hook.Hook;
import io.nnviz.dashboard.LiveDashboard;
import io.nnviz.recording.Recorder;
import io.nnviz.renderers.report.HtmlReport;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Which hook a hook-overhead harness measures: the issues' prescribed sampling
 * ({@link SamplingRecorder}, the default) or, with the argument {@code recorder}, what users attach:
 * {@link Recorder#defaults()} ({@code recorder-no-doctor}: without its training doctor); with {@code loss-only}, a hook that asks for nothing (what the backend's
 * listener itself costs on every step). For the Recorder it also times what comes after training: writing the
 * report (HTML, every figure as SVG and PNG) and the run's JSON.
 */
public final class HookChoice {
    private final Hook hook;
    private LiveDashboard dashboard;
    private boolean noDoctor;
    private final List<Process> browsers = new ArrayList<>();

    private HookChoice(Hook hook) {
        this.hook = hook;
    }

    /**
     * The hook the arguments ask for: {@code recorder} anywhere after the first argument picks
     * {@link Recorder#defaults()}; {@code dashboard} the same Recorder shown on a
     * {@link io.nnviz.dashboard.LiveDashboard} with two headless Chromium pages polling it
     * (Debian's {@code /usr/bin/chromium}) while training runs.
     */
    public static HookChoice of(String[] args) throws IOException {
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("loss-only")) {
                return new HookChoice(new Hook() { }); // asks nothing, keeps nothing: the backend's own cost per step
            }
            if (args[i].equals("recorder")) {
                return new HookChoice(Recorder.defaults());
            }
            if (args[i].equals("recorder-no-doctor")) { // the same without the training doctor: what its checks cost
                HookChoice c = new HookChoice(Recorder.builder().diagnose(false).build());
                c.noDoctor = true;
                return c;
            }
            if (args[i].equals("dashboard")) {
                Recorder r = Recorder.defaults();
                HookChoice c = new HookChoice(r);
                c.dashboard = LiveDashboard.start();
                URI page = c.dashboard.show("bench", r);
                for (int b = 0; b < 2; b++) {
                    Path profile = Files.createTempDirectory("nnviz-bench-chromium");
                    c.browsers.add(new ProcessBuilder("/usr/bin/chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                            "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile, page.toString())
                            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
                }
                System.out.println("dashboard at " + page + " with 2 headless Chromium pages polling it");
                return c;
            }
        }
        return new HookChoice(new SamplingRecorder());
    }

    /** The hook to attach. */
    public Hook hook() {
        return hook;
    }

    /** A name for reports. */
    public String name() {
        return dashboard != null ? "Recorder + dashboard, 2 browsers" : hook instanceof Recorder
                ? noDoctor ? "nnviz Recorder, no doctor" : "nnviz Recorder.defaults()"
                : hook instanceof SamplingRecorder ? "nnviz hook (sampling)" : "a hook asking nothing";
    }

    /**
     * The CPU time of the recorder's own threads (its worker: the statistics of each capture, the doctor's checks, the
     * sinks), over the whole run, warm-up included: work off the training thread, which the training pays for only where
     * the framework wants both cores (TensorFlow's inter-op threads) or the caches they share.
     */
    private static void printRecorderThreads() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("nnviz")) {
                System.out.printf("CPU time of nnviz's thread %s over the run: %.0f ms%n", t.getName(), mx.getThreadCpuTime(t.getId()) / 1e6);
            }
        }
    }

    /** Prints what the hook kept; for the Recorder, writes its report to a temporary folder and prints how long that took. */
    public void printSummary(ModelView model, long hookErrors) throws IOException {
        if (hook instanceof SamplingRecorder s) {
            System.out.printf("hook kept %d losses, %d histogram series, activations at %d steps; hook errors %d, histogram jobs"
                    + " dropped %d%n", s.losses(), s.histogramSeries(), s.activationSteps(), hookErrors, s.dropped());
            return;
        }
        if (!(hook instanceof Recorder r)) {
            System.out.printf("hook errors %d%n", hookErrors);
            return;
        }
        if (dashboard != null) {
            for (Process p : browsers) {
                System.out.println("a browser was " + (p.isAlive() ? "still polling at the end" : "gone early (exit " + p.exitValue() + ")"));
                p.destroy();
            }
            dashboard.close();
        }
        printRecorderThreads();
        Path dir = Files.createTempDirectory("nnviz-bench-report");
        long t0 = System.nanoTime();
        r.addTo(HtmlReport.titled("hook overhead run").model(model)).write(dir);
        r.writeJson(dir.resolve("run.json"));
        double ms = (System.nanoTime() - t0) / 1e6;
        long files, bytes;
        try (Stream<Path> s = Files.walk(dir)) {
            var all = s.filter(Files::isRegularFile).toList();
            files = all.size();
            bytes = all.stream().mapToLong(p -> p.toFile().length()).sum();
        }
        System.out.printf("Recorder kept %d losses; hook errors %d, histogram jobs dropped %d; its capture intervals were stretched x%d%s%n",
                r.log().stepSeries("loss").size(), hookErrors, r.dropped(), r.captureStretch(),
                r.log().notes().containsKey("sampling") ? " (" + r.log().notes().get("sampling") + ")" : "");
        System.out.printf("end of training to a written report (HTML, SVG+PNG figures, run.json): %.0f ms, %d files, %,d bytes%n",
                ms, files, bytes);
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
