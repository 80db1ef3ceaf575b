package io.nnviz.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Keeps native log lines off the terminal (libtensorflow's, libtorch's, HDF5's, ONNX Runtime's). libtensorflow reads its log level from the environment
 * once, when it loads, and the absl logging linked into it prints some lines whatever the level;
 * HDF5 prints its error stack before Java sees the error; a running JVM can neither set its own
 * environment nor redirect the native stderr. So the child JVM that runs a model command
 * ({@link ChildJvm}) gets {@code TF_CPP_MIN_LOG_LEVEL=3}, and this filter drops the native log lines
 * still left in its stderr, passing everything else through as it comes (progress bars included).
 * {@code --verbose} shows them all.
 */
final class QuietNatives {
    /** libtensorflow's log level, read from the environment when it loads. */
    static final String ENV = "TF_CPP_MIN_LOG_LEVEL";
    /**
     * TensorFlow's own log lines, errors included (the Java exception that follows is what nnviz says,
     * in one line) ({@code 2026-12-01 10:39:25.57: I tensorflow/...]}) and absl's ({@code I0000 00:00:17.6 5496 file.cc:401]}). */
    private static final Pattern NATIVE = Pattern.compile(
            "^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+: [IWE] \\S+:\\d+\\]"
                    + "|[IWE]\\d{4} \\d\\d:\\d\\d:\\d+\\.\\d+ +\\d+ \\S+:\\d+\\]"
                    // libtorch's c10 warnings: [W1204 20:08:37.344476714 ir_emitter.cpp:4523] Warning: ...
                    + "|\\[[IWE]\\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d+ (\\d+ )?\\S+:\\d+\\]"
                    + "|WARNING: All log messages before absl::InitializeLog\\(\\) is called"
                    + "|To enable the following instructions: .* rebuild TensorFlow"
                    // HDF5's error stack: HDF5-DIAG: Error detected in HDF5 (1.12.1) thread 0: / #000: H5A.c line 528 in ... / major: ...
                    + "|HDF5-DIAG: |  #\\d{3}: \\S+ line \\d+ in |    (major|minor): "
                    // protobuf's C++ parser, inside libtensorflow, on a damaged graph (the Java error that follows says it)
                    + "|\\[libprotobuf (ERROR|WARNING|INFO) \\S+:\\d+\\] "
                    // ONNX Runtime's, coloured: \e[1;31m2026-12-07 00:43:36.233300991 [E:onnxruntime:, sequential_executor.cc:572 ...
                    + "|(\u001B\\[[\\d;]*m)?\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+ \\[[VIWEF]:onnxruntime:)");

    /**
     * The lines a native message goes on with: TensorFlow prints a tensor's proto text over many
     * lines, libtorch the source it warns about ("Serialized File ...", indented code, "(function
     * ...)"). Dropped after a dropped native line, until a line that is none of these.
     */
    private static final Pattern CONTINUATION = Pattern.compile("^(\\s|\\}|[A-Za-z_][\\w.]* \\{|[A-Za-z_][\\w.]*: |Serialized +File )");

    private QuietNatives() {
    }

    /** A line of the CLI's own, never a native message's continuation: its errors, and --timings' line (TensorFlow's last log line before it looked like its head). */
    private static boolean own(String line) {
        return line.startsWith("nnviz") || line.startsWith("timings: ");
    }

    /**
     * Copies {@code in} to {@code to} line by line, dropping native log lines; a carriage return
     * passes at once (progress bars), and a line that follows a bar left mid-line starts a line of
     * its own, so an error is never glued to the end of a bar.
     */
    static void filter(InputStream in, OutputStream to) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        boolean midBar = false, inNative = false;
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            if (b == '\n' || b == '\r') {
                String s = line.toString(StandardCharsets.UTF_8);
                boolean nativeLine = b == '\n' && (NATIVE.matcher(s).lookingAt() || inNative && !own(s) && CONTINUATION.matcher(s).lookingAt());
                inNative = nativeLine;
                if (!nativeLine) {
                    if (midBar && b == '\n' && s.length() > 1) {
                        to.write('\n');
                    }
                    line.writeTo(to);
                    to.flush();
                    midBar = b == '\r';
                }
                line.reset();
            }
        }
        if (midBar && line.size() > 0) {
            to.write('\n');
        }
        line.writeTo(to);
    }
}
