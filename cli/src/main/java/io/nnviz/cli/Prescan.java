package io.nnviz.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * What the {@code nnviz} process needs to start a model command's child JVM (its memory and time
 * limits, its output folder, the model for the class-data archive), read off the command line
 * without building the CLI's parser: building it (picocli, every command's options by reflection)
 * is a tenth of a second in a fresh JVM, and the child builds it anyway. The child checks what was
 * read here against its own parse before it does anything ({@link #check}); where they differ, or
 * where the command line is anything but plain ({@code --}, help, an option given twice, a value
 * this reading is unsure of), the process parses it fully as before ({@link Main#modelOptions}).
 */
final class Prescan {
    /** Set in the child to what the parent read: the child exits with {@link #MISMATCH} unless its parse says the same. */
    static final String EXPECT = "NNVIZ_EXPECT";
    /** The child's exit code when its parse says other than the parent read: nothing was done, the parent parses and starts again. */
    static final int MISMATCH = 125;

    /** The commands that read a model (the {@link ModelOptions.Command}s). */
    static final Set<String> COMMANDS = Set.of("inspect", "activations", "attribute", "attention", "diff");
    /** Their options that take a value (PrescanTest checks these against the commands). */
    static final Set<String> WITH_VALUE = Set.of("--out", "--format", "--layers", "--input-shape", "--max-memory", "--timeout", "--overlay",
            "--depth", "--input", "--size", "--channels", "--scale", "--mean", "--std", "--target", "--methods", "--steps", "--baseline",
            "--cam-layer", "--text", "--tokenizer", "--max-tokens", "--head");
    /** Their options that take none, help and version aside (PrescanTest checks these too). */
    static final Set<String> FLAGS = Set.of("--verbose", "-q", "--quiet", "--timings", "--layout-quality", "--sanity", "--measure-shapes");

    /** What was read: the options the limits and the output folder come from, and the model (a guess: only the archive depends on it). */
    record Read(ModelOptions options, Path model) {
        /** What the child is told to expect. */
        String expectation() {
            ChildJvm.Limits l = options.limits();
            return l.memoryBytes() + ":" + l.timeoutSeconds() + ":" + options.out;
        }
    }

    private Prescan() {
    }

    /** The command line read, or null where only a full parse can tell (then the process parses it). */
    static Read read(String[] args) {
        int i = 0;
        while (i < args.length && FLAGS.contains(args[i])) {
            i++;
        }
        if (i >= args.length || !COMMANDS.contains(args[i])) {
            return null;
        }
        String out = null, memory = null, timeout = null;
        Path model = null;
        try {
            for (int j = i + 1; j < args.length; j++) {
                String a = args[j], name = a, value = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 2) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                }
                if (WITH_VALUE.contains(name)) {
                    if (value == null) {
                        if (j + 1 >= args.length) {
                            return null;
                        }
                        value = args[++j];
                    }
                    if (value.startsWith("-") && (WITH_VALUE.contains(value) || FLAGS.contains(value) || value.startsWith("--"))) {
                        return null; // an option where a value should be: picocli's to judge
                    }
                    switch (name) {
                        case "--out" -> out = once(out, value);
                        case "--max-memory" -> memory = once(memory, value);
                        case "--timeout" -> timeout = once(timeout, value);
                        default -> {
                        }
                    }
                } else if (FLAGS.contains(a)) {
                    continue;
                } else if (a.startsWith("-")) {
                    return null; // help, version, --, an option this reading does not know, a value that looks like one
                } else if (model == null) {
                    model = Path.of(a);
                }
            }
            ModelOptions o = new ModelOptions();
            o.out = Path.of(out == null ? "nnviz-out" : out);
            o.maxMemory = memory;
            o.timeout = timeout == null ? 0 : Long.parseLong(timeout);
            o.model = model;
            o.limits(); // a bad --max-memory or --timeout: the command says so, after a full parse
            return new Read(o, model);
        } catch (Repeated | InvalidPathException | NumberFormatException | Main.UsageException e) {
            return null;
        }
    }

    /** An option given twice: picocli's to judge. */
    private static final class Repeated extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Repeated() {
            super(null, null, false, false);
        }
    }

    private static String once(String before, String value) {
        if (before != null) {
            throw new Repeated();
        }
        return value;
    }

    /**
     * In the child, once the command line is parsed: true if it is what the parent read
     * ({@link #EXPECT}, if set), so the limits the child runs under are the command's own.
     */
    static boolean check(ModelOptions parsed) {
        String expected = System.getenv(EXPECT);
        if (expected == null) {
            return true;
        }
        if (parsed == null) {
            return false;
        }
        try {
            ChildJvm.Limits l = parsed.limits();
            return Objects.equals(expected, l.memoryBytes() + ":" + l.timeoutSeconds() + ":" + parsed.out);
        } catch (Main.UsageException e) {
            return false;
        }
    }
}
