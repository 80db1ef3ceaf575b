package io.nnviz.cli;

import io.nnviz.api.Capability;
import io.nnviz.api.InvalidInputException;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.Tensor;
import io.nnviz.api.attribution.Attribution;
import io.nnviz.api.attribution.AttributionMethod;
import io.nnviz.api.attribution.Faithfulness;
import io.nnviz.api.attribution.GradCam;
import io.nnviz.api.attribution.InputXGradient;
import io.nnviz.api.attribution.IntegratedGradients;
import io.nnviz.api.attribution.ModelRandomization;
import io.nnviz.api.attribution.Occlusion;
import io.nnviz.api.attribution.ScoreCam;
import io.nnviz.api.attribution.SmoothGrad;
import io.nnviz.api.spi.Printable;
import io.nnviz.renderers.figures.AttributionFigure;
import io.nnviz.renderers.report.HtmlReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code nnviz attribute MODEL --input IMAGE}: attribution maps of several methods for one input,
 * each drawn with its deletion and insertion curves, and a table ranking the methods by them,
 * printed and at the top of the report, with every method that could not be run and why.
 */
@Command(name = "attribute", mixinStandardHelpOptions = true,
        description = "Writes attribution maps (Integrated Gradients, SmoothGrad, Grad-CAM++, occlusion...) for one input image, "
                + "each with its deletion and insertion curves, and prints their areas to rank the methods.")
final class AttributeCommand implements ModelOptions.Command {
    /** The methods by their CLI names, in the order they are listed. */
    private static final List<String> METHODS = List.of("ig", "smoothgrad", "smoothgrad2", "ixg", "gradcam", "gradcam++", "scorecam", "occlusion");
    /** The report's section holding the ranking table. */
    static final String RANKING = "Ranking";

    @ParentCommand
    Main main;

    @picocli.CommandLine.Mixin
    ModelOptions opts;

    @picocli.CommandLine.Mixin
    InputOptions inputs;

    @Option(names = "--target", description = "The output unit explained (default: the model's top prediction).")
    Integer target;

    @Option(names = "--methods", split = ",", paramLabel = "M",
            description = "Any of ig, smoothgrad, smoothgrad2 (squared), ixg (input x gradient), gradcam, gradcam++, scorecam, occlusion "
                    + "(default: ig, smoothgrad, gradcam++ and occlusion where the model has gradients, else occlusion; a default "
                    + "method the model cannot give is listed under the ranking with the reason).")
    List<String> methods;

    @Option(names = "--steps", defaultValue = "64", description = "Integrated Gradients' path steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--baseline", defaultValue = "0",
            description = "The value of a removed pixel, and Integrated Gradients' baseline (default: ${DEFAULT-VALUE}: black, or the mean "
                    + "of a normalised input).")
    float baseline;

    @Option(names = "--cam-layer", paramLabel = "LAYER", description = "The conv layer of Grad-CAM(++) and Score-CAM (default: the last).")
    String camLayer;

    @Option(names = "--sanity", description = "Also the model randomisation check: each map computed again with every layer's "
            + "weights shuffled, and its rank correlation with the trained model's map (near 0 passes; near 1, the map shows the input "
            + "more than the model). Doubles the time.")
    boolean sanity;

    @Override
    public ModelOptions options() {
        return opts;
    }

    private void checkOptions() {
        inputs.check();
        if (target != null && target < 0) {
            throw new Main.UsageException("--target " + target + ": output units count from 0");
        }
        if (steps < 1 || steps > 4096) {
            throw new Main.UsageException("--steps " + steps + ": 1 to 4096");
        }
        if (!Float.isFinite(baseline)) {
            throw new Main.UsageException("--baseline " + baseline + ": a finite number");
        }
        for (String m : methods == null ? List.<String>of() : methods) {
            if (!METHODS.contains(m.trim().toLowerCase(Locale.ROOT))) {
                throw new Main.UsageException("--methods " + m + ": one of " + String.join(", ", METHODS));
            }
        }
    }

    private AttributionMethod method(String name, ModelView m) {
        GradCam cam = switch (name) {
            case "gradcam" -> GradCam.of(m);
            case "gradcam++" -> GradCam.plusPlus(m);
            default -> null;
        };
        if (cam != null) {
            return camLayer != null ? cam.layer(camLayer) : cam;
        }
        return switch (name) {
            case "ig" -> IntegratedGradients.of(m).steps(steps).baseline(baseline);
            case "smoothgrad" -> SmoothGrad.of(m);
            case "smoothgrad2" -> SmoothGrad.of(m).squared(true);
            case "ixg" -> InputXGradient.of(m);
            case "scorecam" -> camLayer != null ? ScoreCam.of(m).layer(camLayer) : ScoreCam.of(m);
            default -> Occlusion.of(m).baseline(baseline);
        };
    }

    @Override
    public Integer call() throws Exception {
        checkOptions();
        Path model = opts.model;
        try (Outputs outputs = Outputs.in(opts.out, opts.format); Loading.Opened opened = Loading.open(model, opts.loadOptions())) {
            ModelView m = opened.model();
            Tensor x = inputs.tensor(m, model);
            if (x.rank() != 4) {
                throw new Main.UsageException(model.getFileName() + " takes input " + x.shape() + ": attribute explains images [1, C, H, W]");
            }
            boolean gradients = m.capabilities().contains(Capability.INPUT_GRADIENT);
            List<String> wanted = methods != null ? methods.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).toList()
                    : gradients ? List.of("ig", "smoothgrad", "gradcam++", "occlusion") : List.of("occlusion");
            Tensor scores = m.scores(x);
            int cls = target != null ? target : argmax(scores);
            Faithfulness f = Faithfulness.of(m).baseline(baseline);
            HtmlReport report = HtmlReport.titled("Attribution of " + model.getFileName() + " for " + inputs.input.getFileName()).model(m);
            // the ranking first in the report, above the maps it ranks; filled once they are done
            report.section(RANKING);
            Map<String, double[]> table = new LinkedHashMap<>();
            Map<String, String> notRun = new LinkedHashMap<>();
            Attribution random = Faithfulness.random(x, 1);
            table.put("random (reference)", new double[] {f.deletion(x, cls, random).area(), f.insertion(x, cls, random).area(), 0, Double.NaN});
            try (CliSupport.Progress bar = CliSupport.progress(main, "Attribution", wanted.size())) {
                for (String name : wanted) {
                    AttributionMethod method = method(name, m);
                    long t0 = System.nanoTime();
                    try {
                        Attribution a = method.attribute(x, cls);
                        double seconds = (System.nanoTime() - t0) / 1e9;
                        Faithfulness.Curve del = f.deletion(x, cls, a), ins = f.insertion(x, cls, a);
                        AttributionFigure fig = AttributionFigure.of(x.slice(0), a).deletion(del).insertion(ins);
                        double rho = Double.NaN;
                        if (sanity) {
                            rho = ModelRandomization.of(m).fullAgainst(a, mm -> method(name, mm), x, cls).rankCorrelation();
                            fig.randomization(rho);
                        }
                        table.put(method.name(), new double[] {del.area(), ins.area(), seconds, rho});
                        outputs.figure(report, "Attribution", "attribution-" + name.replace("++", "pp"), fig.build());
                    } catch (NnvizException | UnsupportedOperationException e) {
                        if (methods != null && e instanceof InvalidInputException) {
                            throw new Main.UsageException("--methods " + name + ": " + e.getMessage());
                        }
                        // asked for by name, it is said at once; every method not run is said under the table too
                        if (methods != null && !main.quiet) {
                            main.err.println("nnviz: no " + method.name() + " for " + model.getFileName() + ": " + Printable.oneLine(e.getMessage()));
                        }
                        notRun.put(method.name() + (methods == null ? " (a default method)" : ""), Printable.oneLine(e.getMessage()));
                    }
                    bar.step();
                }
            }
            ranking(report, String.format(Locale.ROOT, "Attribution of output %d (score %.4g)", cls, scores.getFlat(cls)), table, notRun);
            outputs.report(report);
            List<Path> files = outputs.commit();
            if (!main.quiet) {
                main.err.println("Wrote " + files.size() + " files to " + opts.out.toAbsolutePath());
            }
            return Main.OK;
        }
    }

    /**
     * The ranking, printed and put in the report alike: each method's deletion and insertion areas
     * (and its randomisation check), what they mean, and each method not run with the reason.
     */
    private void ranking(HtmlReport report, String title, Map<String, double[]> table, Map<String, String> notRun) {
        List<String> header = new ArrayList<>(List.of("Method", "Deletion", "Insertion", "Seconds"));
        if (sanity) {
            header.add("Randomised");
        }
        List<List<String>> rows = new ArrayList<>();
        main.out.println(title);
        main.out.printf("%-22s %10s %10s %8s%s%n", "Method", "Deletion", "Insertion", "Seconds", sanity ? "  Randomised" : "");
        table.forEach((k, v) -> {
            // the check's verdict beside its number, by the figure's own rule (AttributionFigure.randomizationVerdict)
            String randomised = !sanity ? "" : Double.isNaN(v[3]) ? (k.startsWith("random") ? "" : "flat map, passes")
                    : String.format(Locale.ROOT, "%.3f %s", v[3], v[3] < AttributionFigure.RANDOMIZATION_PASSES_BELOW ? "passes" : "fails");
            main.out.printf(Locale.ROOT, "%-22s %10.4f %10.4f %8.2f%s%n", k, v[0], v[1], v[2], randomised.isEmpty() ? ""
                    : String.format(Locale.ROOT, "  %16s", randomised));
            List<String> row = new ArrayList<>(List.of(k, String.format(Locale.ROOT, "%.4f", v[0]), String.format(Locale.ROOT, "%.4f", v[1]),
                    String.format(Locale.ROOT, "%.2f", v[2])));
            if (sanity) {
                row.add(randomised);
            }
            rows.add(row);
        });
        String meaning = "(areas under the curves of p(target): lower deletion and higher insertion are more faithful"
                + (sanity ? "; Randomised: rank correlation with the map of the model with shuffled weights, passes below "
                + AttributionFigure.RANDOMIZATION_PASSES_BELOW : "") + ")";
        main.out.println(meaning);
        report.section(RANKING).note(title).table("ranking", header, rows).note(meaning);
        notRun.forEach((k, why) -> {
            main.out.println("Not run: " + k + ": " + why);
            report.note("Not run: " + k + ": " + why);
        });
    }

    private static int argmax(Tensor scores) {
        int n = scores.shape().dim(scores.rank() - 1), best = 0;
        for (int i = 1; i < n && i < scores.size(); i++) {
            if (scores.getFlat(i) > scores.getFlat(best)) {
                best = i;
            }
        }
        return best;
    }
}
