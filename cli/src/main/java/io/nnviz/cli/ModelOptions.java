package io.nnviz.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** What every command takes: the model, where its outputs go, in which formats, and which layers. */
final class ModelOptions {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A model file or SavedModel folder.")
    Path model;

    @Option(names = "--out", defaultValue = "nnviz-out", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--format", defaultValue = "svg,png,html",
            description = "Outputs: any of svg, png, html, dot (the graph for Graphviz) (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--layers", paramLabel = "PATTERN",
            description = "A regular expression on layer ids and names: the layers that get figures "
                    + "(default: inspect, every conv layer; activations, the conv layers, else every layer).")
    String layers;

    @Option(names = "--input-shape", paramLabel = "[NAME=]D,D,...",
            description = "The input's shape, batch first, for models whose input has free dimensions "
                    + "(e.g. 1,3,224,224; -1 leaves one free; NAME= for one input of several). Repeatable.")
    java.util.List<String> inputShapes = new java.util.ArrayList<>();

    /** The load options the flags give; a malformed shape is a usage error. */
    io.nnviz.api.LoadOptions loadOptions() {
        io.nnviz.api.LoadOptions o = io.nnviz.api.LoadOptions.defaults();
        for (String spec : inputShapes) {
            int eq = spec.indexOf('=');
            String name = eq < 0 ? io.nnviz.api.LoadOptions.FIRST_INPUT : spec.substring(0, eq).trim();
            String[] parts = spec.substring(eq + 1).split(",");
            long[] dims = new long[parts.length];
            try {
                for (int i = 0; i < parts.length; i++) {
                    dims[i] = Long.parseLong(parts[i].trim());
                }
                o = o.inputShape(name, dims);
            } catch (NumberFormatException | io.nnviz.api.InvalidInputException e) {
                throw new Main.UsageException("--input-shape " + spec + ": give sizes separated by commas, such as 1,3,224,224"
                        + (e instanceof io.nnviz.api.InvalidInputException ? " (" + e.getMessage() + ")" : ""));
            }
        }
        return o;
    }
}
