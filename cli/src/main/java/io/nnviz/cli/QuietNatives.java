package io.nnviz.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Keeps TensorFlow's native log lines off the terminal. libtensorflow reads its log level from the
 * environment once, when it loads, and the absl logging linked into it prints some lines whatever
 * the level; a running JVM can neither set its own environment nor redirect the native stderr. So
 * for a TensorFlow model the CLI runs itself again in a child JVM with {@code TF_CPP_MIN_LOG_LEVEL=2}
 * and drops the native log lines still left from the child's stderr, passing everything else
 * through as it comes (progress bars included). {@code --verbose} shows them all.
 */
final class QuietNatives {
    /** Set in the child: it runs the command itself. */
    static final String ENV = "TF_CPP_MIN_LOG_LEVEL";
    /** TensorFlow's own log lines ({@code 2026-12-01 10:39:25.57: I tensorflow/...]}) and absl's ({@code I0000 00:00:17.6 5496 file.cc:401]}). */
    private static final Pattern NATIVE = Pattern.compile(
            "^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+: [IW] \\S+:\\d+\\]"
                    + "|[IW]\\d{4} \\d\\d:\\d\\d:\\d+\\.\\d+ +\\d+ \\S+:\\d+\\]"
                    + "|WARNING: All log messages before absl::InitializeLog\\(\\) is called"
                    + "|To enable the following instructions: .* rebuild TensorFlow)");

    private QuietNatives() {
    }

    /** True when this run should hand over to a quieter child: a TensorFlow model, no --verbose, not the child already. */
    static boolean wanted(String[] args) {
        if (System.getenv(ENV) != null || java.util.Arrays.asList(args).contains("--verbose")) {
            return false;
        }
        for (String a : args) {
            if (a.startsWith("-")) {
                continue;
            }
            try {
                Path p = Path.of(a);
                if (Files.exists(p)) {
                    Format f = Format.detect(p);
                    return f.world.equals("tensorflow");
                }
            } catch (RuntimeException | IOException | Format.Unsupported e) {
                return false; // the command itself will say what is wrong with the path
            }
        }
        return false;
    }

    /** Runs the CLI in a child JVM (same JVM options and class path) and returns its exit code. */
    static int runChild(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put(ENV, "2");
        Process p = pb.start();
        Thread o = pump(p.getInputStream(), out, false);
        Thread e = pump(p.getErrorStream(), err, true);
        int code = p.waitFor();
        o.join();
        e.join();
        return code;
    }

    private static Thread pump(InputStream in, OutputStream to, boolean filter) {
        Thread t = new Thread(() -> {
            try {
                if (filter) {
                    filter(in, to);
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

    /** Copies {@code in} to {@code to} line by line, dropping native log lines; a carriage return passes at once (progress bars). */
    static void filter(InputStream in, OutputStream to) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(256);
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            if (b == '\n' || b == '\r') {
                String s = line.toString(StandardCharsets.UTF_8);
                if (b == '\r' || !NATIVE.matcher(s).lookingAt()) {
                    line.writeTo(to);
                    to.flush();
                }
                line.reset();
            }
        }
        line.writeTo(to);
    }
}
