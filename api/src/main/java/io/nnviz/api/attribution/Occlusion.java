package io.nnviz.api.attribution;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Attribution by occlusion (Zeiler and Fergus, 2014): how much the model's output score drops when a
 * window of the input is replaced by a baseline, averaged over the windows covering each position.
 * It needs only forward passes, so it works for models without gradients (ONNX Runtime) and is a
 * check on gradient saliency for the others.
 *
 * <p>Positions: images {@code [1, C, H, W]} give an {@code [H, W]} map (a window covers every
 * channel); sequences {@code [1, T, F]} a {@code [T]} map; vectors {@code [1, F]} an {@code [F]} map.
 * The score of output unit {@code target} is, as for gradients, that unit summed over the other
 * positions of the output: classifiers {@code [N, K]} index K, sequence outputs {@code [N, T, K]}
 * the last axis, image outputs {@code [N, C, H, W]} the channel. Occluded copies are run in
 * batches when the model's batch dimension is free, one at a time when it is fixed.
 *
 * <pre>{@code
 * Tensor map = Occlusion.of(model).window(8, 8).stride(4).map(image, predictedClass);   // [H, W]
 * }</pre>
 */
public final class Occlusion implements AttributionMethod, Cloneable {
    private final ModelView model;
    private int windowH = -1, windowW = -1, strideH = -1, strideW = -1, batch = 16;
    private float baseline;
    private String outputLayer;

    private Occlusion(ModelView model) {
        this.model = model;
    }

    /** Occlusion of this model's input; the score is {@link ModelView#scores} unless {@link #output} names a layer. */
    public static Occlusion of(ModelView model) {
        return new Occlusion(Objects.requireNonNull(model, "model"));
    }

    /** The window, in positions (rows and columns for images; default: an eighth of each side, at least 1). */
    public Occlusion window(int h, int w) {
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException("occlusion window " + h + "x" + w + ": both sides must be at least 1");
        }
        Occlusion c = copy();
        c.windowH = h;
        c.windowW = w;
        return c;
    }

    /** The step between windows (default: half the window, at least 1). */
    public Occlusion stride(int h, int w) {
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException("occlusion stride " + h + "x" + w + ": both must be at least 1");
        }
        Occlusion c = copy();
        c.strideH = h;
        c.strideW = w;
        return c;
    }

    /** The value an occluded position takes (default 0: black, or the mean for normalised inputs). */
    public Occlusion baseline(float value) {
        Occlusion c = copy();
        c.baseline = value;
        return c;
    }

    /** Occluded copies per forward pass when the batch dimension is free (default 16). */
    public Occlusion batch(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("occlusion batch " + n + ": must be at least 1");
        }
        Occlusion c = copy();
        c.batch = n;
        return c;
    }

    /** The layer whose output is scored (default: the model's last layer). */
    public Occlusion output(String layerId) {
        Occlusion c = copy();
        c.outputLayer = Objects.requireNonNull(layerId, "layerId");
        return c;
    }

    @Override
    public String name() {
        return "Occlusion";
    }

    /** The occlusion map as an attribution of positions ({@link #map}). */
    @Override
    public Attribution attribute(Tensor input, int target) {
        return new Attribution(name(), target, null, map(input, target), Map.of());
    }

    /**
     * The occlusion map of one input (batch 1) for output unit {@code target}.
     *
     * @throws InvalidInputException for a batch other than 1, a rank other than 2 to 4, or a target out of range
     */
    public Tensor map(Tensor input, int target) {
        Objects.requireNonNull(input, "input");
        if (input.rank() < 2 || input.rank() > 4 || input.shape().dim(0) != 1) {
            throw new InvalidInputException("occlusion takes one input of shape [1, C, H, W], [1, T, F] or [1, F], got " + input.shape());
        }
        String out = outputLayer;
        // positions: rows x columns of the grid a window moves on; a window covers `channels` values per position
        int rows, cols, channels;
        if (input.rank() == 4) {
            channels = input.shape().dim(1);
            rows = input.shape().dim(2);
            cols = input.shape().dim(3);
        } else if (input.rank() == 3) {
            rows = input.shape().dim(1);
            cols = 1;
            channels = input.shape().dim(2);
        } else {
            rows = input.shape().dim(1);
            cols = 1;
            channels = 1;
        }
        int wh = windowH > 0 ? Math.min(windowH, rows) : Math.max(1, rows / 8);
        int ww = input.rank() == 4 ? (windowW > 0 ? Math.min(windowW, cols) : Math.max(1, cols / 8)) : 1;
        int sh = strideH > 0 ? strideH : Math.max(1, wh / 2);
        int sw = input.rank() == 4 ? (strideW > 0 ? strideW : Math.max(1, ww / 2)) : 1;
        List<int[]> windows = new ArrayList<>();
        for (int y = 0; ; y += sh) {
            int y0 = Math.min(y, rows - wh);
            for (int x = 0; ; x += sw) {
                int x0 = Math.min(x, cols - ww);
                windows.add(new int[] {y0, x0});
                if (x0 + ww >= cols) {
                    break;
                }
            }
            if (y0 + wh >= rows) {
                break;
            }
        }
        double base = Scores.score(Scores.outputs(model, out, input), 0, target);
        boolean freeBatch = Scores.freeBatch(model);
        int per = freeBatch ? batch : 1;
        float[] x = input.toArray();
        double[] sum = new double[rows * cols];
        int[] count = new int[rows * cols];
        for (int from = 0; from < windows.size(); from += per) {
            int n = Math.min(per, windows.size() - from);
            float[] copies = new float[n * x.length];
            for (int k = 0; k < n; k++) {
                System.arraycopy(x, 0, copies, k * x.length, x.length);
                occlude(copies, k * x.length, windows.get(from + k), wh, ww, rows, cols, channels, input.rank());
            }
            int[] dims = input.shape().toArray();
            dims[0] = n;
            Tensor scores = Scores.outputs(model, out, Tensor.adopt(copies, dims));
            for (int k = 0; k < n; k++) {
                double drop = base - Scores.score(scores, k, target);
                int[] w = windows.get(from + k);
                for (int r = w[0]; r < w[0] + wh; r++) {
                    for (int c = w[1]; c < w[1] + ww; c++) {
                        sum[r * cols + c] += drop;
                        count[r * cols + c]++;
                    }
                }
            }
        }
        float[] map = new float[rows * cols];
        for (int i = 0; i < map.length; i++) {
            map[i] = count[i] == 0 ? 0 : (float) (sum[i] / count[i]);
        }
        return input.rank() == 4 ? Tensor.adopt(map, rows, cols) : Tensor.adopt(map, rows);
    }

    private void occlude(float[] v, int off, int[] w, int wh, int ww, int rows, int cols, int channels, int rank) {
        for (int r = w[0]; r < w[0] + wh; r++) {
            for (int c = w[1]; c < w[1] + ww; c++) {
                for (int ch = 0; ch < channels; ch++) {
                    // NCHW: channel-major; [T, F] and [F]: position-major
                    int i = rank == 4 ? (ch * rows + r) * cols + c : r * channels + ch;
                    v[off + i] = baseline;
                }
            }
        }
    }

    /** A copy whose settings a setter changes: settings are immutable, and each setter returns a new object. */
    private Occlusion copy() {
        try {
            return (Occlusion) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }
}
