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
}
