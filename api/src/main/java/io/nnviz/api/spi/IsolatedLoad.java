package io.nnviz.api.spi;

import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link LoadOptions#isolated()}: a model file opened in a child JVM before this one opens it. The
 * child is this class's {@link #main}: it opens the file as {@code NNViz.load} does (through {@link Backends#defaults()}) and answers
 * with its exit code and one line. Exit 0: opened. Exit 3: refused, the line says why. Anything
 * else (a signal, a native abort, the timeout) is what the file would have done to this JVM.
 */
final class IsolatedLoad {
    private static final int OPENED = 0, REFUSED = 3, FAILED = 4;
    /** The most of the child's answer kept: one line, bounded. */
    private static final int MAX_ANSWER = 4096;

    private IsolatedLoad() {
    }

    /**
     * Opens {@code path} in a child JVM with {@code options}.
     *
     * @throws ModelLoadException if the child refused the file, died opening it, or ran out of time
     */
    static void probe(Path path, LoadOptions options) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + Math.max(64, Runtime.getRuntime().maxMemory() >> 20) + "m");
        cmd.add("-XX:+SuppressFatalErrorMessage"); // the parent says it in one line
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=off");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(IsolatedLoad.class.getName());
        cmd.add(path.toAbsolutePath().toString());
        cmd.add(Long.toString(options.memoryBudget()));
        options.inputShapes().forEach((k, v) -> cmd.add((k.isEmpty() ? "" : k) + "=" + join(v)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "3");
        long timeout = options.isolation().toMillis();
        Process p;
        try {
            p = pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot start the isolated JVM to open it (" + e.getMessage() + ")", e);
        }
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> drain(p.getInputStream(), answer), "nnviz-isolated-load");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(timeout, TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new ModelLoadException(path, "opening it took longer than " + options.isolation().toSeconds()
                        + " s in an isolated JVM (a read that never ends, such as a pipe), so it was not opened here");
            }
            reader.join(5_000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ModelLoadException(path, "interrupted while an isolated JVM opened it", e);
        }
        String line = lastLine(answer);
        switch (p.exitValue()) {
            case OPENED -> {
            }
            case REFUSED -> throw new ModelLoadException(path, line.replaceFirst("^cannot open model \\S+: ", ""));
            default -> throw new ModelLoadException(path, (p.exitValue() > 128 ? "it killed the isolated JVM that opened it (signal "
                    + (p.exitValue() - 128) + ")" : "the isolated JVM that opened it failed (exit " + p.exitValue() + ")")
                    + (line.isEmpty() ? "" : ": " + line) + "; it was not opened here");
        }
    }

    /** The child: opens the file, answers with an exit code and one line. */
    public static void main(String[] args) {
        int code;
        String line;
        try {
            LoadOptions o = LoadOptions.defaults().memoryBudget(Long.parseLong(args[1]));
            for (int i = 2; i < args.length; i++) {
                int eq = args[i].lastIndexOf('=');
                String[] dims = args[i].substring(eq + 1).split(",");
                long[] d = new long[dims.length];
                for (int k = 0; k < d.length; k++) {
                    d[k] = Long.parseLong(dims[k]);
                }
                o = o.inputShape(args[i].substring(0, eq), d);
            }
            try (ModelView m = Backends.defaults().load(Path.of(args[0]), o)) {
                line = m.layers().size() + " layers";
            }
            code = OPENED;
        } catch (NnvizException e) {
            code = REFUSED;
            line = e.getMessage();
        } catch (Throwable t) { // an OutOfMemoryError too: the parent reports it, this JVM ends either way
            code = FAILED;
            line = t.toString();
        }
        System.out.println(String.valueOf(line).replaceAll("[\\r\\n\\t]+", " "));
        System.out.flush();
        Runtime.getRuntime().halt(code); // no shutdown work in a JVM whose natives may be damaged
    }

    private static String join(long[] v) {
        StringBuilder s = new StringBuilder();
        for (long d : v) {
            s.append(s.length() == 0 ? "" : ",").append(d);
        }
        return s.toString();
    }

    private static void drain(InputStream in, ByteArrayOutputStream to) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (to) {
                    if (to.size() > MAX_ANSWER) { // keep the end, where the answer is
                        byte[] keep = Arrays.copyOfRange(to.toByteArray(), to.size() - MAX_ANSWER / 2, to.size());
                        to.reset();
                        to.write(keep, 0, keep.length);
                    }
                    to.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // the child is gone; what it said so far is the answer
        }
    }

    private static String lastLine(ByteArrayOutputStream out) {
        String all;
        synchronized (out) {
            all = out.toString(StandardCharsets.UTF_8);
        }
        String[] lines = all.strip().split("\\R");
        String last = lines.length == 0 ? "" : lines[lines.length - 1].strip();
        return last.length() > 300 ? last.substring(0, 300) + "..." : last;
    }
}
