package io.nnviz.cli;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.renderers.Drawn;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.LayerNames;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.renderers.figures.LayoutQuality;
import io.nnviz.renderers.figures.Notice;
import io.nnviz.renderers.figures.Overlays;
import io.nnviz.renderers.report.HtmlReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Pattern;

/** {@code nnviz inspect MODEL}: the summary table, the architecture, a filter grid per conv layer and an HTML report. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Prints a summary table and writes the architecture, a filter grid per conv layer and an HTML report.")
final class InspectCommand implements ModelOptions.Command {
    @ParentCommand
    Main main;

    @picocli.CommandLine.Mixin
    ModelOptions opts;

    @Option(names = "--timings", description = "Print how long loading, layout and drawing, and writing took (stderr).")
    boolean timings;

    @Option(names = "--overlay", paramLabel = "VALUE",
            description = "Colour the architecture's boxes by a value per layer: params (parameter count) or weight-norm (L2 norm of its weights).")
    String overlay;

    @Option(names = "--depth", paramLabel = "D", defaultValue = "0",
            description = "Draw the model's blocks at this depth collapsed (1: the top-level blocks), identical runs folded (default: chosen by size).")
    int depth;

    @Option(names = "--layout-quality",
            description = "Print how readable the architecture's layout is: boxes, frames, edges, the share of edges pointing down, "
                    + "crossings per edge, group purity, width/height, cut labels, the title (one 'layout:' line).")
    boolean layoutQuality;

    /**
     * How long this JVM took to reach the command (its start-up, the CLI's parsing; in the child JVM
     * that runs it, the child's), from the process's start as the system records it (to 10 ms).
     */
    private static String startUp(long commandStart) {
        return ProcessHandle.current().info().startInstant().map(s -> String.format(Locale.ROOT, "JVM start to command %d ms",
                Duration.between(s, Instant.now()).toMillis() - (System.nanoTime() - commandStart) / 1_000_000)).orElse("JVM start unknown");
    }

    @Override
    public ModelOptions options() {
        return opts;
    }

    @Override
    public Integer call() throws Exception {
        Path model = opts.model, out = opts.out;
        String format = opts.format;
        Pattern only = CliSupport.pattern(opts.layers);
        if (overlay != null && !overlay.equals("params") && !overlay.equals("weight-norm")) {
            throw new Main.UsageException("--overlay " + overlay + ": params or weight-norm");
        }
        if (depth < 0) {
            throw new Main.UsageException("--depth " + depth + ": 0 (automatic) or more");
        }
        long t0 = System.nanoTime();
        Warmup.start();
        try (Outputs outputs = Outputs.in(out, format); Loading.Opened opened = Loading.open(model, opts.loadOptions())) {
            ModelView m = opened.model();
            long t1 = System.nanoTime();
            HtmlReport report = HtmlReport.titled(model.getFileName() + " (" + opened.format().title() + ")").model(m);
            // the architecture's layout, the longest piece, starts now on another thread: the table is printed and the
            // weights read meanwhile
            CompletableFuture<Figure> architecture = depth == 0 && overlay == null
                    ? outputs.architecture(report, "architecture", m, () -> ArchitectureDiagram.of(m).build()) : null;
            Summary.print(m, opened.format(), main.out);
            long t1b = System.nanoTime();
            List<LayerInfo> convs = new ArrayList<>();
            LayerNames shown = LayerNames.of(m); // --layers may name a layer as the table shows it
            for (LayerInfo l : m.layers()) {
                if (l.kind() == LayerKind.CONV && CliSupport.selected(only, l, shown)) {
                    convs.add(l);
                }
            }
            Function<String, String> slugs = CliSupport.slugs(m);
            try (CliSupport.Progress bar = CliSupport.progress(main, "Rendering " + model.getFileName(), convs.size() + 1)) {
                if (depth != 0 || overlay != null) {
                    var diagram = ArchitectureDiagram.of(m).depth(depth);
                    if (overlay != null) {
                        diagram.overlay(overlay.equals("params") ? Overlays.parameters(m) : Overlays.weightNorm(m),
                                overlay.equals("params") ? "parameters" : "weight norm");
                    }
                    outputs.figure(report, "Architecture", "architecture", diagram.build());
                }
                bar.step();
                for (LayerInfo l : convs) {
                    for (WeightTensor w : m.weights(l.id())) {
                        if (w.role() == WeightRole.KERNEL && w.values().rank() == 4) {
                            String title = "Filters of " + shown.display(l) + " " + w.values().shape(); // as the table names it
                            // a kernel with a zero dimension holds no filter to draw: said on the page, not an internal error
                            var grid = w.values().size() == 0 ? Notice.of(title, "no filters: the kernel has a zero dimension").build()
                                    : FilterGrid.of(w).title(title).build();
                            String name = "filters-" + slugs.apply(l.id());
                            outputs.layerFigure(report, "Filters", l.id(), name, grid);
                        }
                    }
                    bar.step();
                }
            }
            long t2 = System.nanoTime();
            if (layoutQuality) {
                main.out.println("layout: " + LayoutQuality.header());
                // the figure written as architecture.svg when there is one (the same layout), else one of its own
                Figure laidOut = architecture != null ? Drawn.join(architecture) : ArchitectureDiagram.of(m).depth(depth).build();
                main.out.println("layout: " + LayoutQuality.of(laidOut).row(model.getFileName().toString()));
            }
            outputs.text(Outputs.Kind.dot, "architecture.dot", Dot.of(m));
            outputs.report(report);
            List<Path> files = outputs.commit();
            long t3 = System.nanoTime();
            if (timings) {
                main.err.printf("timings: load %.0f ms (class loading and native start-up included), describe %.0f ms,"
                        + " render %.0f ms (layout and drawing %.0f ms, report and files %.0f ms); %d layers; %s%n", (t1 - t0) / 1e6,
                        (t1b - t1) / 1e6, (t3 - t1b) / 1e6, (t2 - t1b) / 1e6, (t3 - t2) / 1e6, m.layers().size(), startUp(t0));
            }
            if (!main.quiet) {
                main.err.println("Wrote " + files.size() + " files to " + out.toAbsolutePath());
            }
            return Main.OK;
        }
    }
}
