package io.nnviz.cli;

import io.nnviz.api.LoadOptions;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What every command takes: the model, where its outputs go, in which formats, and which layers. */
final class ModelOptions {
    /** A command that reads a model: it runs in a child JVM under the options' limits ({@link ChildJvm}). */
    interface Command extends Callable<Integer> {
        ModelOptions options();
    }

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model file or SavedModel folder.")
    Path model;

    @Option(names = "--out", defaultValue = "nnviz-out", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--format", defaultValue = "svg,png,html",
            description = "Outputs: any of svg, png, html, dot (the graph for Graphviz) (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--layers", paramLabel = "PATTERN",
            description = "A regular expression on layer ids and names (or names as the table shows them): the layers that get figures "
                    + "(default: inspect, every conv layer; activations, the conv layers, else every layer, and for TorchScript, whose "
                    + "layers run inside its script, the input and the output).")
    String layers;

    @Option(names = "--input-shape", paramLabel = "[NAME=]D,D,...",
            description = "The input's shape, batch first, for models whose input has free dimensions "
                    + "(e.g. 1,3,224,224; -1 leaves one free; NAME= for one input of several). Repeatable.")
    List<String> inputShapes = new ArrayList<>();

    @Option(names = "--measure-shapes",
            description = "Run the model once, on zeros of the --input-shape or declared shape (free dimensions 1; if that fails, "
                    + "those after the batch larger), to measure the output shapes static inference cannot give (ONNX); they are shown "
                    + "as measured, for that input only.")
    boolean measureShapes;

    @Option(names = "--max-memory", paramLabel = "SIZE",
            description = "The memory reading and drawing the model may use, heap and native together, such as 2g or 800m "
                    + "(default: half of this machine's). A model that needs more is exit 3.")
    String maxMemory;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0",
            description = "Stop after this many seconds with exit 3 (default: no limit).")
    long timeout;

    /** The smallest budget: a JVM with a framework's natives loaded needs about this much before any model. */
    static final long MIN_MEMORY = 256L << 20;

    /** The memory budget in bytes: {@code --max-memory}, else half of the machine's memory. */
    long memoryBudget() {
        if (maxMemory == null) {
            return LoadOptions.defaultMemoryBudget();
        }
        Matcher m = Pattern.compile("(?i)\\s*(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b)?\\s*").matcher(maxMemory);
        if (!m.matches()) {
            throw new Main.UsageException("--max-memory " + maxMemory + ": give a size such as 2g, 800m or 1.5GB");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        double bytes = Double.parseDouble(m.group(1)) * (1L << shift);
        if (bytes < MIN_MEMORY || bytes > Long.MAX_VALUE / 2) {
            throw new Main.UsageException("--max-memory " + maxMemory + ": at least 256m (the JVM and a framework's natives need that much)");
        }
        return (long) bytes;
    }

    /** The limits a child JVM running this command gets; bad values are usage errors. */
    ChildJvm.Limits limits() {
        if (timeout < 0) {
            throw new Main.UsageException("--timeout " + timeout + ": give a number of seconds, or 0 for no limit");
        }
        return new ChildJvm.Limits(memoryBudget(), timeout);
    }

    /** The load options the flags give; a malformed shape is a usage error. */
    LoadOptions loadOptions() {
        LoadOptions o = LoadOptions.defaults().memoryBudget(limits().memoryBytes());
        if (measureShapes) {
            o = o.measureShapes();
        }
        for (String spec : inputShapes) {
            int eq = spec.indexOf('=');
            String name = eq < 0 ? LoadOptions.FIRST_INPUT : spec.substring(0, eq).trim();
            String[] parts = spec.substring(eq + 1).split(",");
            long[] dims = new long[parts.length];
            try {
                for (int i = 0; i < parts.length; i++) {
                    dims[i] = Long.parseLong(parts[i].trim());
                }
                o = o.inputShape(name, dims);
            } catch (IllegalArgumentException e) { // a size that is not a number, or a shape LoadOptions refuses
                throw new Main.UsageException("--input-shape " + spec + ": give sizes separated by commas, such as 1,3,224,224"
                        + (e instanceof NumberFormatException ? "" : " (" + e.getMessage() + ")"));
            }
        }
        return o;
    }
}
