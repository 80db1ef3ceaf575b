package io.nnviz.cli;

import io.nnviz.api.Capability;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.Tensor;
import io.nnviz.api.attribution.Occlusion;
import io.nnviz.api.spi.ModelFormat;
import io.nnviz.api.spi.Printable;
import io.nnviz.renderers.LayerNames;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.figures.ActivationGrid;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.SaliencyOverlay;
import io.nnviz.renderers.report.HtmlReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/** {@code nnviz activations MODEL --input IMAGE|TENSOR}: activation maps of chosen layers and a saliency overlay for one input. */
@Command(name = "activations", mixinStandardHelpOptions = true,
        description = "Writes activation maps and a saliency overlay for one input image (or .npy tensor), and an HTML report.")
final class ActivationsCommand implements ModelOptions.Command {
    @ParentCommand
    Main main;

    @picocli.CommandLine.Mixin
    ModelOptions opts;

    @picocli.CommandLine.Mixin
    InputOptions inputs;

    @Option(names = "--target", description = "Class for saliency (default: the model's top prediction).")
    Integer target;

    /** Every option checked before any work: a bad one is a usage error (exit 2) naming it. */
    private void checkOptions() {
        inputs.check();
        if (target != null && target < 0) {
            throw new Main.UsageException("--target " + target + ": output units count from 0");
        }
    }

    @Override
    public ModelOptions options() {
        return opts;
    }

    @Override
    public Integer call() throws Exception {
        Path model = opts.model, out = opts.out;
        String format = opts.format, layers = opts.layers;
        Pattern only = CliSupport.pattern(layers);
        checkOptions();
        try (Outputs outputs = Outputs.in(out, format); Loading.Opened opened = Loading.open(model, opts.loadOptions())) {
            ModelView m = opened.model();
            Function<String, String> slugs = CliSupport.slugs(m);
            LayerInfo in = m.layers().stream().filter(l -> l.kind() == LayerKind.INPUT).findFirst().orElse(m.layers().get(0));
            Tensor x = inputs.tensor(m, model);
            List<String> ids = new ArrayList<>();
            boolean anyConv = m.layers().stream().anyMatch(l -> l.kind() == LayerKind.CONV);
            LayerNames shown = LayerNames.of(m); // --layers may name a layer as the table shows it
            for (LayerInfo l : m.layers()) {
                boolean wanted = only != null ? CliSupport.selected(only, l, shown) : anyConv ? l.kind() == LayerKind.CONV : l.kind() != LayerKind.INPUT;
                if (wanted && l != in) {
                    ids.add(l.id());
                }
            }
            LayerInfo last = m.layers().get(m.layers().size() - 1);
            String notice = null;
            if (only == null && opened.format() == ModelFormat.TORCHSCRIPT) {
                // libtorch runs the script whole: its layers have no activations of their own to show, its input and output do
                ids = new ArrayList<>(List.of(in.id()));
                if (last != in) {
                    ids.add(last.id());
                }
                notice = model.getFileName() + " is TorchScript: its inner layers run inside the script, so the activations shown are"
                        + " its input's and its output's";
            }
            if (ids.isEmpty()) {
                throw new Main.UsageException("--layers '" + layers + "' matches no layer of " + model.getFileName());
            }
            HtmlReport report = HtmlReport.titled("Activations of " + model.getFileName() + " for " + inputs.input.getFileName()).model(m);
            if (notice != null) {
                report.section("Activations").note(notice);
                if (!main.quiet) {
                    main.err.println("nnviz: " + Printable.line(notice));
                }
            }
            try (CliSupport.Progress bar = CliSupport.progress(main, "Activations", ids.size() + 1)) {
                List<String> all = new ArrayList<>(ids);
                if (!all.contains(last.id())) {
                    all.add(last.id());
                }
                Map<String, Tensor> acts;
                try {
                    acts = m.activations(x, all);
                } catch (NnvizException e) {
                    throw new Main.ModelException(model + ": " + e.getMessage(), e);
                }
                for (String id : ids) {
                    Figure f = figure(id, acts.get(id).slice(0));
                    outputs.figure(report, "Activations", "activations-" + slugs.apply(id), f);
                    bar.step();
                }
                int units = acts.get(last.id()).rank() < 2 ? 1 : acts.get(last.id()).shape().dim(acts.get(last.id()).rank() == 4 ? 1
                        : acts.get(last.id()).rank() - 1);
                if (target != null && target >= units) {
                    throw new Main.UsageException("--target " + target + ": " + last.name() + " has " + units + " outputs (0.." + (units - 1) + ")");
                }
                int cls = target != null ? target : argmax(acts.get(last.id()));
                if (x.rank() == 4) {
                    try {
                        // gradients where the framework has them; else occlusion, which needs forward passes only
                        Figure s = m.capabilities().contains(Capability.INPUT_GRADIENT)
                                ? SaliencyOverlay.saliency(x.slice(0), m.inputGradient(x, cls).slice(0)).title("Saliency for output " + cls).build()
                                : SaliencyOverlay.occlusion(x.slice(0), Occlusion.of(m).output(last.id()).map(x, cls))
                                        .title("Occlusion for output " + cls + " (no gradients in " + m.framework() + ")").build();
                        outputs.figure(report, "Saliency", "saliency", s);
                    } catch (NnvizException | UnsupportedOperationException e) {
                        if (!main.quiet) {
                            main.err.println("nnviz: no saliency for " + model.getFileName() + ": " + Printable.oneLine(e.getMessage()));
                        }
                    }
                }
                bar.step();
                if (!main.quiet) {
                    main.out.printf("Top output of %s: %d%n", last.name(), cls);
                }
            }
            outputs.report(report);
            List<Path> files = outputs.commit();
            if (!main.quiet) {
                main.err.println("Wrote " + files.size() + " files to " + out.toAbsolutePath());
            }
            return Main.OK;
        }
    }

    private static Figure figure(String id, Tensor a) {
        if (a.rank() == 3) {
            return ActivationGrid.of(a).topK(16).title(id + " " + a.shape()).build();
        }
        Tensor m = a.rank() == 2 ? a.permute(1, 0) : a.reshape(1, (int) a.shape().size());
        return Heatmap.of(m).axes(a.rank() == 2 ? "unit" : "", a.rank() == 2 ? "time step" : "unit")
                .colormap(m.stats().min() < 0 ? Colormaps.DIVERGING : Colormaps.VIRIDIS).title(id + " " + a.shape()).build();
    }

    private static int argmax(Tensor t) {
        float[] v = t.toArray();
        int n = t.shape().dim(t.rank() - 1), best = 0;
        for (int i = 1; i < n && i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
