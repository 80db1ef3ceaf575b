package io.nnviz.cli;

import io.nnviz.api.Layer;
import io.nnviz.api.LayerKind;
import io.nnviz.api.Model;
import io.nnviz.api.NnvizException;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.figures.ActivationGrid;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.SaliencyOverlay;
import io.nnviz.renderers.report.HtmlReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code nnviz activations MODEL --input IMAGE|TENSOR}: activation maps of chosen layers and a saliency overlay for one input. */
@Command(name = "activations", mixinStandardHelpOptions = true,
        description = "Writes activation maps and a saliency overlay for one input image (or .npy tensor), and an HTML report.")
final class ActivationsCommand implements ModelOptions.Command {
    @ParentCommand
    Main main;

    @picocli.CommandLine.Mixin
    ModelOptions opts;

    @Option(names = "--input", required = true, paramLabel = "IMAGE|TENSOR",
            description = "A PNG/JPEG image, or a NumPy .npy tensor in the model's canonical input layout (NCHW for images).")
    Path input;

    @Option(names = "--size", paramLabel = "WxH", description = "Resize the image to this (default: the model's input size).")
    String size;

    @Option(names = "--channels", description = "1 (grey) or 3 (RGB) (default: the model's input channels).")
    Integer channels;

    @Option(names = "--scale", defaultValue = "255", description = "Pixel values are divided by this first (default: ${DEFAULT-VALUE}).")
    double scale;

    @Option(names = "--mean", split = ",", defaultValue = "0", description = "Subtracted per channel after scaling, e.g. 0.485,0.456,0.406.")
    double[] mean;

    @Option(names = "--std", split = ",", defaultValue = "1", description = "Divided by per channel last, e.g. 0.229,0.224,0.225.")
    double[] std;

    @Option(names = "--target", description = "Class for saliency (default: the model's top prediction).")
    Integer target;

    /** Every option checked before any work: a bad one is a usage error (exit 2) naming it. */
    private void checkOptions() {
        if (!Files.isRegularFile(input)) {
            throw new Main.UsageException(input + ": no such input file (or not a regular file)");
        }
        if (!Double.isFinite(scale) || scale <= 0) {
            throw new Main.UsageException("--scale " + scale + ": give a positive number, such as 255");
        }
        for (double[] v : List.of(mean, std)) {
            String name = v == mean ? "--mean" : "--std";
            if (v.length != 1 && v.length != 3) {
                throw new Main.UsageException(name + ": give one value, or one per channel (three), not " + v.length);
            }
            for (double d : v) {
                if (!Double.isFinite(d) || v == std && d == 0) {
                    throw new Main.UsageException(name + " " + d + ": give finite numbers" + (v == std ? ", none of them zero" : ""));
                }
            }
        }
        if (channels != null && channels != 1 && channels != 3) {
            throw new Main.UsageException("--channels " + channels + ": 1 (grey) or 3 (RGB)");
        }
        if (target != null && target < 0) {
            throw new Main.UsageException("--target " + target + ": output units count from 0");
        }
        if (size != null) {
            int[] wh = sizeOption();
            if (wh[0] < 1 || wh[1] < 1 || wh[0] > InputData.MAX_SIDE || wh[1] > InputData.MAX_SIDE
                    || (long) wh[0] * wh[1] > InputData.MAX_INPUT_PIXELS) {
                throw new Main.UsageException("--size " + size + ": each side 1 to " + InputData.MAX_SIDE + " pixels, "
                        + InputData.MAX_INPUT_PIXELS / 1_048_576 + " megapixels at most");
            }
        }
    }

    private int[] sizeOption() {
        String[] wh = size.toLowerCase(java.util.Locale.ROOT).split("x");
        try {
            if (wh.length != 2) {
                throw new NumberFormatException();
            }
            return new int[] {Integer.parseInt(wh[0].trim()), Integer.parseInt(wh[1].trim())};
        } catch (NumberFormatException e) {
            throw new Main.UsageException("--size: expected WxH such as 224x224, got '" + size + "'");
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
        Warmup.start();
        try (Outputs outputs = Outputs.in(out, format); Loading.Opened opened = Loading.open(model, opts.loadOptions())) {
            Model m = opened.model();
            java.util.function.Function<String, String> slugs = CliSupport.slugs(m);
            Layer in = m.layers().stream().filter(l -> l.kind() == LayerKind.INPUT).findFirst().orElse(m.layers().get(0));
            Shape inShape = in.outputShape();
            Tensor x = InputData.isNpy(input) ? InputData.npy(input) : image(m, inShape);
            x = InputData.batchOfOne(x, inShape, input);
            List<String> ids = new ArrayList<>();
            boolean anyConv = m.layers().stream().anyMatch(l -> l.kind() == LayerKind.CONV);
            for (Layer l : m.layers()) {
                boolean wanted = only != null ? CliSupport.selected(only, l) : anyConv ? l.kind() == LayerKind.CONV : l.kind() != LayerKind.INPUT;
                if (wanted && l != in) {
                    ids.add(l.id());
                }
            }
            if (ids.isEmpty()) {
                throw new Main.UsageException("--layers '" + layers + "' matches no layer of " + model.getFileName());
            }
            HtmlReport report = HtmlReport.titled("Activations of " + model.getFileName() + " for " + input.getFileName()).model(m);
            Layer last = m.layers().get(m.layers().size() - 1);
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
                        Figure s = m.capabilities().contains(io.nnviz.api.Capability.INPUT_GRADIENT)
                                ? SaliencyOverlay.saliency(x.slice(0), m.inputGradient(x, cls).slice(0)).title("Saliency for output " + cls).build()
                                : SaliencyOverlay.occlusion(x.slice(0), io.nnviz.api.attribution.Occlusion.of(m).output(last.id()).map(x, cls))
                                        .title("Occlusion for output " + cls + " (no gradients in " + m.framework() + ")").build();
                        outputs.figure(report, "Saliency", "saliency", s);
                    } catch (NnvizException | UnsupportedOperationException e) {
                        if (!main.quiet) {
                            main.err.println("nnviz: no saliency for " + model.getFileName() + ": " + Main.oneLine(e.getMessage()));
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

    private Tensor image(Model m, Shape inShape) throws java.io.IOException {
        int[] d = inShape == null ? guessedInput(m) : inShape.toArray();
        int c, h, w;
        if (d.length == 4) {
            c = d[1];
            h = d[2];
            w = d[3];
        } else if (d.length == 3) { // a sequence read from the image's rows: [T, C] = [H, W], grey
            c = 1;
            h = d[1];
            w = d[2];
        } else if (d.length == 2 && d[1] > 0) { // flat: a square grey image unless told otherwise
            c = channels != null ? channels : 1;
            int side = (int) Math.round(Math.sqrt(d[1] / (double) c));
            h = side;
            w = side;
        } else {
            throw new Main.UsageException(opts.model.getFileName() + " takes input " + inShape + ", not an image: give a .npy tensor");
        }
        if (size != null) {
            int[] wh = sizeOption();
            w = wh[0];
            h = wh[1];
        }
        if (channels != null) {
            c = channels;
        }
        if ((w <= 0 || h <= 0) && size == null && d.length == 4) { // a free image size: the image's own
            int[] own = InputData.imageSize(input);
            w = w <= 0 ? own[0] : w;
            h = h <= 0 ? own[1] : h;
        }
        if (c != 1 && c != 3 || w <= 0 || h <= 0 || w > InputData.MAX_SIDE || h > InputData.MAX_SIDE
                || (long) w * h > InputData.MAX_INPUT_PIXELS) {
            throw new Main.UsageException("cannot make an image input of " + c + " channels, " + w + "x" + h
                    + " for the model's input " + inShape + " (use --size, --channels or a .npy tensor)");
        }
        Tensor t = InputData.image(input, new InputData.ImageOptions(w, h, c, scale, mean, std));
        return d.length == 4 ? t : t.reshape(d.length == 3 ? new int[] {1, h, w} : new int[] {1, c * h * w});
    }

    /**
     * A model that does not say its input shape: an image [?, C, H, W] with C from the first
     * convolution's kernel and the image's own size (or --size); else a .npy tensor is needed.
     */
    private int[] guessedInput(Model m) throws java.io.IOException {
        for (Layer l : m.layers()) {
            if (l.kind() == LayerKind.CONV) {
                for (var w : m.weights(l.id())) {
                    if (w.role() == io.nnviz.api.WeightRole.KERNEL && w.values().rank() == 4) {
                        int[] own = InputData.imageSize(input);
                        return new int[] {-1, w.values().shape().dim(1), own[1], own[0]};
                    }
                }
                break;
            }
        }
        throw new Main.UsageException(opts.model.getFileName() + " does not say its input shape: give the input as a .npy tensor");
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
