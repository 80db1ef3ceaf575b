package io.nnviz.cli;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What the commands that run a model on one input take: the input (an image, resized and
 * normalised to the model's input, or a {@code .npy} tensor), checked before any work.
 */
final class InputOptions {
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

    /** Every option checked before any work: a bad one is a usage error (exit 2) naming it. */
    void check() {
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
        String[] wh = size.toLowerCase(Locale.ROOT).split("x");
        try {
            if (wh.length != 2) {
                throw new NumberFormatException();
            }
            return new int[] {Integer.parseInt(wh[0].trim()), Integer.parseInt(wh[1].trim())};
        } catch (NumberFormatException e) {
            throw new Main.UsageException("--size: expected WxH such as 224x224, got '" + size + "'");
        }
    }

    /** The model's input for these options: a batch of one, in the model's canonical layout. */
    Tensor tensor(ModelView m, Path model) throws IOException {
        LayerInfo in = m.layers().stream().filter(l -> l.kind() == LayerKind.INPUT).findFirst().orElse(m.layers().get(0));
        Shape inShape = in.outputShape();
        Tensor x = InputData.isNpy(input) ? InputData.npy(input) : image(m, inShape, model);
        return InputData.batchOfOne(x, inShape, input);
    }

    private Tensor image(ModelView m, Shape inShape, Path model) throws IOException {
        int[] d = inShape == null ? guessedInput(m, model) : inShape.toArray();
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
            throw new Main.UsageException(model.getFileName() + " takes input " + inShape + ", not an image: give a .npy tensor");
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
    private int[] guessedInput(ModelView m, Path model) throws IOException {
        for (LayerInfo l : m.layers()) {
            if (l.kind() == LayerKind.CONV) {
                for (var w : m.weights(l.id())) {
                    if (w.role() == WeightRole.KERNEL && w.values().rank() == 4) {
                        int[] own = InputData.imageSize(input);
                        return new int[] {-1, w.values().shape().dim(1), own[1], own[0]};
                    }
                }
                break;
            }
        }
        throw new Main.UsageException(model.getFileName() + " does not say its input shape: give the input as a .npy tensor");
    }
}
