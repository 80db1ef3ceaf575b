package io.nnviz.cli;

import io.nnviz.api.ModelView;
import io.nnviz.api.diff.ModelDiff;
import io.nnviz.api.spi.Printable;
import io.nnviz.renderers.figures.DiffDiagram;
import io.nnviz.renderers.report.HtmlReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code nnviz diff A B}: what changed from model A to model B ({@link ModelDiff}): a table of the
 * added, removed and changed layers and every layer's relative weight change, and B's
 * architecture coloured by it.
 */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = "Compares two models (two formats, or two checkpoints of one run): prints the added, removed and changed layers "
                + "and each layer's relative weight change, and draws the second model's architecture coloured by it.")
final class DiffCommand implements ModelOptions.Command {
    @ParentCommand
    Main main;

    @picocli.CommandLine.Mixin
    ModelOptions opts;

    @Parameters(index = "1", paramLabel = "MODEL_B", description = "The model compared with MODEL.")
    Path other;

    @Override
    public ModelOptions options() {
        return opts;
    }

    /** A layer's change as the table says it: a layer of the same structure whose weights moved is not "same". */
    static String change(ModelDiff.LayerDiff l) {
        return l.change() == ModelDiff.Change.SAME && DiffDiagram.weightsChanged(l.weightChange()) ? "weights"
                : l.change().name().toLowerCase(Locale.ROOT);
    }

    @Override
    public Integer call() throws Exception {
        try (Outputs outputs = Outputs.in(opts.out, opts.format);
             Loading.Opened a = Loading.open(opts.model, opts.loadOptions());
             Loading.Opened b = Loading.open(other, opts.loadOptions())) {
            ModelView ma = a.model(), mb = b.model();
            ModelDiff d = ModelDiff.of(ma, mb);
            main.out.printf("%s (%s) -> %s (%s): %d added, %d removed, %d changed, %d with moved weights%n", opts.model.getFileName(),
                    a.format().title(), other.getFileName(), b.format().title(), d.added().size(), d.removed().size(), d.changed().size(),
                    DiffDiagram.weightsChanged(d));
            main.out.printf("%-9s %-40s %12s  %s%n", "Change", "Layer", "Weights", "Differences");
            for (ModelDiff.LayerDiff l : d.layers()) {
                String id = l.idA() == null ? l.idB() : l.idB() == null || l.idB().equals(l.idA()) ? l.idA() : l.idA() + " -> " + l.idB();
                String w = Double.isNaN(l.weightChange()) ? "" : String.format(Locale.ROOT, "%.4g", l.weightChange());
                main.out.printf("%-9s %-40s %12s  %s%n", change(l), Printable.oneLine(id), w, String.join("; ", l.differences()));
            }
            main.out.println("(Weights: ||W_B - W_A|| / ||W_A|| over the layer's tensors, in nnviz's canonical layouts; 'same' is the same structure"
                    + " and weights moved by at most " + DiffDiagram.UNCHANGED_TEXT + ", 'weights' the same structure with weights moved more)");
            HtmlReport report = HtmlReport.titled("Diff of " + opts.model.getFileName() + " and " + other.getFileName()).model(mb);
            outputs.figure(report, "Diff", "diff", DiffDiagram.of(d, mb).title(opts.model.getFileName() + " \u2192 " + other.getFileName()).build());
            outputs.report(report);
            List<Path> files = outputs.commit();
            if (!main.quiet) {
                main.err.println("Wrote " + files.size() + " files to " + opts.out.toAbsolutePath());
            }
            return Main.OK;
        }
    }
}
