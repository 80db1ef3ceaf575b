package io.nnviz.cli;

import io.nnviz.api.spi.Printable;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs a model command in a child JVM and watches it, so that what validation misses still ends
 * as exit 3 with one line. Native code (libtorch, ONNX Runtime, libtensorflow, libnd4j, HDF5)
 * ignores {@code -Xmx} and can crash or recurse past the stack; inside the CLI's own JVM either
 * would end the process with a crash log or a bare signal. The child runs the same command; the
 * parent relays its output, samples its resident memory (heap and native together) and kills it
 * when it passes the budget or the time limit, and turns a death by signal into one line.
 *
 * <p>The child also gets the budget as its load budget (files declaring more are refused before
 * they are read), its heap capped below it and JavaCPP's physical-memory limit set to it, so most
 * excesses end as a clear refusal from inside; the sampling is the net beneath. It exits on its
 * own if the parent dies, so a killed {@code nnviz} leaves no orphan behind.
 */
final class ChildJvm {
    /** Set in the child to the parent's process id: the child runs the command itself. */
    static final String CHILD = "NNVIZ_CHILD_OF";
    /** How often the child's resident memory is sampled. */
    private static final long SAMPLE_MS = 20;

    /** The limits the child runs under; {@code timeoutSeconds} 0 for none. */
    record Limits(long memoryBytes, long timeoutSeconds) {
    }

    /** How the child ended: its exit code, and whether the parent killed it and why. */
    record Ending(int code, String killedFor, long peakRss) {
    }

    private ChildJvm() {
    }

    /** True inside the child. */
    static boolean isChild() {
        return System.getenv(CHILD) != null;
    }

    /**
     * Runs {@code mainClass args} in a child JVM (this JVM's options and class path) under
     * {@code limits}, relaying its stdout and its stderr ({@code quiet}: native log lines dropped),
     * and returns the CLI's exit code for {@code subject}, the model file.
     */
    static int run(String mainClass, List<String> args, Limits limits, boolean quiet, String subject, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        return run(mainClass, args, limits, quiet, subject, null, out, err);
    }

    /** As above, for a command on {@code model}: the child runs on the class-data archives of the CLI's jar and the model's format ({@link Cds}). */
    static int run(String mainClass, List<String> args, Limits limits, boolean quiet, String subject, Path model, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        Ending e = start(mainClass, args, limits, quiet, model, out, err);
        return verdict(e, limits, subject, err);
    }

    static Ending start(String mainClass, List<String> args, Limits limits, boolean quiet, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        return start(mainClass, args, limits, quiet, null, out, err);
    }

    static Ending start(String mainClass, List<String> args, Limits limits, boolean quiet, Path model, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        return start(mainClass, args, limits, quiet, model, Map.of(), out, err);
    }

    /** As above, the child's environment having {@code env} too. */
    static Ending start(String mainClass, List<String> args, Limits limits, boolean quiet, Path model, Map<String, String> env, PrintStream out,
                        PrintStream err) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
        cmd.addAll(jvm);
        long heap = Runtime.getRuntime().maxMemory();
        if (jvm.stream().noneMatch(a -> a.startsWith("-Xmx") || a.startsWith("-XX:MaxHeapSize") || a.startsWith("-XX:MaxRAMPercentage"))) {
            // the heap is part of the budget: cap it below, so a heap that runs out is a clear OutOfMemoryError, not a kill
            heap = Math.max(64L << 20, Math.min(heap, limits.memoryBytes() / 4 * 3));
            cmd.add("-Xmx" + (heap >> 20) + "m");
        }
        // a command is a few seconds of work in a fresh JVM: the parallel collector, with a small young generation, keeps
        // the heap (and so the resident memory) close to what is live, and its pauses use every core: ELK's layouts keep
        // their graphs alive across many young collections, which the serial collector copied on one core while the other
        // waited (the 2,000-node graph's first inspect: 0.39 s of pauses -> 0.23 s, 2.69 -> 2.49 s); C1 alone compiles
        // what runs hot soon enough, without C2's compile time (on 2 cores, IS-Net's inspect took 40% less CPU)
        if (jvm.stream().noneMatch(a -> a.matches("-XX:[+-]Use\\w*GC"))) {
            cmd.add("-XX:+UseParallelGC");
            // a young generation of at most 64 MB, and a heap given back past 30% free: what a command keeps is its model
            // and a few figures, while drawing makes much short-lived garbage (2,000-node graph: 710 -> 540 MB resident)
            if (jvm.stream().noneMatch(a -> a.startsWith("-Xmn") || a.startsWith("-XX:NewSize") || a.startsWith("-XX:MaxNewSize")
                    || a.startsWith("-XX:NewRatio"))) {
                cmd.add("-Xmn" + (Math.min(64L << 20, heap / 4) >> 20) + "m");
            }
            if (jvm.stream().noneMatch(a -> a.contains("HeapFreeRatio"))) {
                cmd.add("-XX:MinHeapFreeRatio=10");
                cmd.add("-XX:MaxHeapFreeRatio=30");
            }
        }
        if (jvm.stream().noneMatch(a -> a.startsWith("-XX:TieredStopAtLevel") || a.contains("TieredCompilation") || a.equals("-Xint")
                || a.equals("-Xcomp"))) {
            cmd.add("-XX:TieredStopAtLevel=1");
        }
        Cds.Plan cds = Cds.plan(model, jvm, heap);
        cmd.addAll(cds.options());
        if (jvm.stream().noneMatch(a -> a.startsWith("-Dorg.bytedeco.javacpp.maxPhysicalBytes"))) {
            // JavaCPP (DL4J's and TensorFlow Java's natives) checks the process's physical memory on each allocation
            cmd.add("-Dorg.bytedeco.javacpp.maxPhysicalBytes=" + limits.memoryBytes());
        }
        if (quiet) {
            cmd.add("-XX:+SuppressFatalErrorMessage"); // the parent says it in one line; --verbose keeps the crash log
        } else {
            cmd.add("-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "nnviz-crash-%p.log"));
        }
        cmd.add("-cp");
        cmd.add(cds.classPath() != null ? cds.classPath() : System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put(CHILD, Long.toString(ProcessHandle.current().pid()));
        pb.environment().put(CliSupport.INTERACTIVE, CliSupport.interactive() ? "1" : "0");
        pb.environment().putAll(cds.environment());
        pb.environment().putAll(env);
        if (quiet) {
            pb.environment().putIfAbsent(QuietNatives.ENV, "3"); // errors too: the CLI says what failed in its own line
        }
        Process p = pb.start();
        // a parent stopped by a signal it can handle (Ctrl-C, kill) takes the child with it
        Thread reaper = new Thread(p::destroyForcibly, "nnviz-child-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        Thread o = pump(p.getInputStream(), out, false);
        Thread e = pump(p.getErrorStream(), err, quiet);
        long deadline = limits.timeoutSeconds() > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(limits.timeoutSeconds()) : Long.MAX_VALUE;
        String killedFor = null;
        long peak = 0;
        while (!p.waitFor(SAMPLE_MS, TimeUnit.MILLISECONDS)) {
            long rss = residentBytes(p.pid());
            peak = Math.max(peak, rss);
            if (rss > limits.memoryBytes()) {
                killedFor = "memory";
            } else if (System.nanoTime() > deadline) {
                killedFor = "time";
            }
            if (killedFor != null) {
                p.destroyForcibly();
                p.waitFor();
                break;
            }
        }
        o.join(2000);
        e.join(2000);
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway; the child is gone already
        }
        int code = p.exitValue();
        Integer ended = cds.commandEnded(code, killedFor != null);
        if (ended != null) { // the command had ended; what failed after it was the writing of a class-data archive
            code = ended;
            killedFor = null;
        }
        cds.finished(code, killedFor != null);
        return new Ending(code, killedFor, peak);
    }

    /** The CLI's exit code for a child's ending, and the one line that says why when the child could not say it. */
    static int verdict(Ending e, Limits limits, String subject, PrintStream err) {
        return verdict(e, limits, () -> subject, err);
    }

    /** As above, the subject asked for only when the line needs it. */
    static int verdict(Ending e, Limits limits, Supplier<String> subject, PrintStream err) {
        if ("memory".equals(e.killedFor())) {
            err.println("nnviz: " + Printable.oneLine(subject.get() + ": model too large for the memory budget (" + mib(e.peakRss() + (1 << 20) - 1) + " in use, "
                    + mib(limits.memoryBytes()) + " allowed; --max-memory raises it)"));
            return Main.BAD_MODEL;
        }
        if ("time".equals(e.killedFor())) {
            err.println("nnviz: " + Printable.oneLine(subject.get() + ": still not done after " + limits.timeoutSeconds() + " s (--timeout); stopped"));
            return Main.BAD_MODEL;
        }
        if (e.code() >= 0 && e.code() <= Main.BAD_MODEL) {
            return e.code(); // the child's own ending; it said why
        }
        String why = e.code() > 128 ? "the native code reading it crashed (" + signal(e.code() - 128) + ")" : "the process reading it died (exit code "
                + e.code() + ")";
        err.println("nnviz: " + Printable.oneLine(subject.get() + ": " + why + "; the file is damaged or not what it claims to be (--verbose keeps a crash log)"));
        return Main.BAD_MODEL;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,d MiB", bytes >> 20);
    }

    private static String signal(int n) {
        return switch (n) {
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL, perhaps by the system's out-of-memory killer";
            case 11 -> "SIGSEGV";
            default -> "signal " + n;
        };
    }

    /** A process's resident set (Linux's /proc); 0 where that cannot be read, so only the time limit applies. */
    static long residentBytes(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc (not Linux) or the process just ended
        }
        return 0;
    }

    /** In the child: exits at once if the parent is gone (killed with SIGKILL, which no hook sees). */
    static void exitWithParent() {
        long parent;
        try {
            parent = Long.parseLong(System.getenv(CHILD));
        } catch (RuntimeException e) {
            return;
        }
        ProcessHandle.of(parent).ifPresent(h -> h.onExit().thenRun(() -> Runtime.getRuntime().halt(Main.INTERNAL)));
        if (ProcessHandle.of(parent).isEmpty()) {
            Runtime.getRuntime().halt(Main.INTERNAL);
        }
    }

    private static Thread pump(InputStream in, OutputStream to, boolean filter) {
        Thread t = new Thread(() -> {
            try {
                if (filter) {
                    QuietNatives.filter(in, to);
                } else {
                    in.transferTo(to);
                }
                to.flush();
            } catch (IOException ignored) {
                // the child is gone or our stream closed: nothing more to pass on
            }
        }, "nnviz-child-" + (filter ? "stderr" : "stdout"));
        t.setDaemon(true);
        t.start();
        return t;
    }
}
