package io.nnviz.renderers.figures;

import io.nnviz.api.Tensor;
import io.nnviz.api.TensorStats;
import io.nnviz.api.WeightTensor;
import io.nnviz.renderers.color.Colormap;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.color.ValueScale;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Convolution kernels {@code [O, I, kH, kW]} (OIHW) as a grid of tiles.
 *
 * <pre>{@code
 * Figure f = FilterGrid.of(conv1Kernel).channels(FilterGrid.Channels.MEAN).build();
 * }</pre>
 * With three input channels the default shows each filter as an RGB tile (each channel stretched
 * to the value range, as torchvision's {@code make_grid(normalize=True)} does); otherwise it
 * shows the mean over input channels with a diverging map centred at zero.
 */
public final class FilterGrid {
    /** How input channels become tiles. */
    public enum Channels {
        /** RGB when I = 3, POINTWISE for a 1x1 kernel, else MEAN. */
        AUTO,
        /** Each filter as one RGB tile (needs I = 3). */
        RGB,
        /** Each filter as the mean over its input channels. */
        MEAN,
        /** One tile per (filter, input channel), a row per filter. */
        PER_CHANNEL,
        /**
         * Each filter of a 1x1 kernel as its weights on the input channels, a tile of rows (the mean
         * of a 1x1 filter over its channels would be one value, which says little of a channel mixer).
         */
        POINTWISE
    }

    private final Tensor kernel;
    private String title;
    private Channels channels = Channels.AUTO;
    private Normalization norm = Normalization.GLOBAL;
    private Colormap map = Colormaps.DIVERGING;
    private int maxFilters = 64, maxInputChannels = 16, columns = 0;
    private double tilePixels = 36;

    private FilterGrid(Tensor kernel, String title) {
        Objects.requireNonNull(kernel, "kernel");
        if (kernel.rank() == 3) {
            // 1-D kernels OIW: draw as kH = 1
            int[] d = kernel.shape().toArray();
            kernel = kernel.reshape(d[0], d[1], 1, d[2]);
        }
        if (kernel.rank() != 4) {
            throw new IllegalArgumentException("a filter grid needs an OIHW kernel (rank 4), got " + kernel.shape());
        }
        this.kernel = kernel;
        this.title = title;
    }

    /** A grid of a kernel tensor in OIHW layout. */
    public static FilterGrid of(Tensor kernelOihw) {
        return new FilterGrid(kernelOihw, "Filters " + kernelOihw.shape());
    }

    /** A grid of a layer's kernel weight. */
    public static FilterGrid of(WeightTensor kernel) {
        return new FilterGrid(kernel.values(), "Filters of " + kernel.layerId() + " " + kernel.values().shape());
    }

    /** Title. */
    public FilterGrid title(String t) {
        this.title = Objects.requireNonNull(t, "title");
        return this;
    }

    /** Channel mode (default AUTO). */
    public FilterGrid channels(Channels c) {
        this.channels = Objects.requireNonNull(c, "channels");
        return this;
    }

    /** Normalisation (default GLOBAL). */
    public FilterGrid normalization(Normalization n) {
        this.norm = Objects.requireNonNull(n, "normalization");
        return this;
    }

    /** Colormap for non-RGB tiles (default diverging). */
    public FilterGrid colormap(Colormap m) {
        this.map = Objects.requireNonNull(m, "colormap");
        return this;
    }

    /** At most this many filters are drawn (default 64). */
    public FilterGrid maxFilters(int n) {
        this.maxFilters = n;
        return this;
    }

    /** Columns of the grid (default: about square). */
    public FilterGrid columns(int n) {
        this.columns = n;
        return this;
    }

    /** On-screen size of a tile's longer side in user units (default 36). */
    public FilterGrid tileSize(double px) {
        this.tilePixels = px;
        return this;
    }

    /** Builds the figure. */
    public TileFigure build() {
        int o = kernel.shape().dim(0), in = kernel.shape().dim(1), kh = kernel.shape().dim(2), kw = kernel.shape().dim(3);
        int shown = Math.min(o, maxFilters);
        Channels mode = channels != Channels.AUTO ? channels : in == 3 ? Channels.RGB : kh * kw == 1 && in > 1 ? Channels.POINTWISE
                : Channels.MEAN;
        if (mode == Channels.RGB && in != 3) {
            throw new IllegalArgumentException("RGB filter tiles need 3 input channels, kernel has " + in);
        }
        int plane = kh * kw;
        List<Tile> tiles = new ArrayList<>();
        // only the filters drawn are read: a backend's ranged kernel (a quantized file's) decodes no more than those
        float[] all = new float[shown * in * plane];
        kernel.copyRange(0, all, 0, all.length);
        String t = title + (shown < o ? " (first " + shown + " of " + o + ")" : "");
        int cols = columns;
        Colormap colormap = map;
        String note = "";
        switch (mode) {
            case RGB -> {
                TensorStats s = kernel.stats();
                for (int f = 0; f < shown; f++) {
                    tiles.add(Tile.argb("#" + f, kh, kw, rgbTile(all, f * 3 * plane, plane, s)));
                }
                colormap = Colormaps.GRAY;
                if (cols <= 0) {
                    cols = (int) Math.ceil(Math.sqrt(shown));
                }
            }
            case MEAN -> {
                for (int f = 0; f < shown; f++) {
                    float[] m = new float[plane];
                    for (int c = 0; c < in; c++) {
                        int base = (f * in + c) * plane;
                        for (int i = 0; i < plane; i++) {
                            m[i] += all[base + i] / in;
                        }
                    }
                    tiles.add(Tile.values("#" + f, kh, kw, m));
                }
                if (cols <= 0) {
                    cols = (int) Math.ceil(Math.sqrt(shown));
                }
                if (in > 1) {
                    note = "Each tile: a filter's mean over its " + in + " input channels.";
                }
            }
            case POINTWISE -> {
                if (kh * kw != 1) {
                    throw new IllegalArgumentException("POINTWISE filter tiles need a 1x1 kernel, kernel has " + kh + "x" + kw);
                }
                // the channels as rows of w, w the smallest divisor of in from its square root on: no cell left empty
                int w = (int) Math.ceil(Math.sqrt(in));
                while (in % w != 0) {
                    w++;
                }
                for (int f = 0; f < shown; f++) {
                    float[] v = new float[in];
                    System.arraycopy(all, f * in, v, 0, in);
                    tiles.add(Tile.values("#" + f, in / w, w, v));
                }
                if (cols <= 0) {
                    cols = (int) Math.ceil(Math.sqrt(shown));
                }
                note = "A 1x1 kernel: each tile is a filter's weights on its " + in + " input channels, " + (in / w == 1 ? "in one row."
                        : "in " + in / w + " rows of " + w + " (channel 0 top left).");
            }
            case PER_CHANNEL -> {
                int ins = Math.min(in, maxInputChannels);
                for (int f = 0; f < shown; f++) {
                    for (int c = 0; c < ins; c++) {
                        float[] p = new float[plane];
                        System.arraycopy(all, (f * in + c) * plane, p, 0, plane);
                        tiles.add(Tile.values(f + "/" + c, kh, kw, p));
                    }
                }
                cols = ins;
                if (ins < in) {
                    t += " (input channels 0-" + (ins - 1) + " of " + in + ")";
                }
            }
            default -> throw new AssertionError(mode);
        }
        // a tile's longer side is tilePixels on screen (no tiles: the grid below says so)
        double scale = tiles.isEmpty() ? 1 : Math.max(1, tilePixels / Math.max(tiles.get(0).height(), tiles.get(0).width()));
        if (mode == Channels.RGB) {
            // RGB tiles carry no values: the bar shows the kernel's range mapped to each channel's intensity
            return new TileGrid(t, tiles, cols, scale, colormap, norm, "R, G, B intensity",
                    ValueScale.of(kernel.stats(), false), kernel.stats().hasNonFinite(),
                    "Each tile: a filter's 3 input channels as red, green and blue, each from the bar's low (dark) to its high (bright).");
        }
        return new TileGrid(t, tiles, cols, scale, colormap, norm, "weight", null, false, note);
    }

    private int[] rgbTile(float[] all, int base, int plane, TensorStats global) {
        double lo, hi;
        if (norm == Normalization.PER_TILE) {
            float[] part = Arrays.copyOfRange(all, base, base + 3 * plane);
            TensorStats s = TensorStats.of(part);
            lo = s.min();
            hi = s.max();
        } else {
            lo = global.min();
            hi = global.max();
        }
        double inv = hi > lo ? 255 / (hi - lo) : 0;
        int[] px = new int[plane];
        for (int i = 0; i < plane; i++) {
            float r = all[base + i], g = all[base + plane + i], b = all[base + 2 * plane + i];
            if (!Float.isFinite(r) || !Float.isFinite(g) || !Float.isFinite(b)) {
                px[i] = Colormaps.NON_FINITE;
                continue;
            }
            px[i] = 0xFF000000 | level(r, lo, inv) << 16 | level(g, lo, inv) << 8 | level(b, lo, inv);
        }
        return px;
    }

    private static int level(float v, double lo, double inv) {
        if (inv == 0) {
            return 128;
        }
        int l = (int) ((v - lo) * inv + 0.5);
        return l < 0 ? 0 : Math.min(l, 255);
    }
}
