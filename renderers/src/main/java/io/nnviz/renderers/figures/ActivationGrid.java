package io.nnviz.renderers.figures;

import io.nnviz.api.Tensor;
import io.nnviz.renderers.canvas.Num;
import io.nnviz.renderers.color.Colormap;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.color.ValueScale;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * One sample's activations as a grid of channels: {@code [C, H, W]} (or {@code [1, C, H, W]}),
 * {@code [C, L]} for 1-D layers, {@code [C]} for dense layers.
 *
 * <pre>{@code
 * Figure f = ActivationGrid.of(acts.get("conv1").slice(0)).topK(16).overlay(image).build();
 * }</pre>
 */
public final class ActivationGrid {
    private final Tensor act;
    /** For {@link #ofBatch}: the samples [N, C, H, W], one row each; null for one sample. */
    private Tensor batch;
    private String title;
    private int topK = 0, maxChannels = 64, columns = 0;
    private Tensor overlay;
    private double overlayAlpha = 0.6;
    private Normalization norm = Normalization.PER_TILE;
    private Colormap map = Colormaps.VIRIDIS;
    private double tilePixels = 0;

    private ActivationGrid(Tensor act, String title) {
        this.act = Objects.requireNonNull(act, "activation");
        this.title = title;
    }

    /** A grid of one sample's activation. A leading batch dimension of 1 is dropped. */
    public static ActivationGrid of(Tensor activation) {
        Tensor a = activation;
        if (a.rank() == 4) {
            if (a.shape().dim(0) != 1) {
                throw new IllegalArgumentException("pass one sample [C, H, W] (use Tensor.slice), got " + a.shape());
            }
            a = a.slice(0);
        }
        if (a.rank() < 1 || a.rank() > 3) {
            throw new IllegalArgumentException("activation maps need [C, H, W], [C, L] or [C], got " + activation.shape());
        }
        return new ActivationGrid(a, "Activations " + a.shape());
    }

    /**
     * The activations of several samples (probe inputs) {@code [N, C, H, W]}: one row per sample,
     * the same channels in every row (with {@link #topK}, the strongest by their mean over all
     * samples), so samples compare channel by channel.
     */
    public static ActivationGrid ofBatch(Tensor batch) {
        if (batch.rank() != 4 || batch.shape().dim(0) < 1) {
            throw new IllegalArgumentException("a batch of activation maps is [N, C, H, W], got " + batch.shape());
        }
        ActivationGrid g = new ActivationGrid(batch.slice(0), "Activations " + batch.shape());
        g.batch = batch;
        return g;
    }

    /** Title. */
    public ActivationGrid title(String t) {
        this.title = Objects.requireNonNull(t, "title");
        return this;
    }

    /** Show only the {@code k} channels with the highest mean activation, strongest first. */
    public ActivationGrid topK(int k) {
        this.topK = k;
        return this;
    }

    /** At most this many channels (default 64). */
    public ActivationGrid maxChannels(int n) {
        this.maxChannels = n;
        return this;
    }

    /** Grid columns (default about square). */
    public ActivationGrid columns(int n) {
        this.columns = n;
        return this;
    }

    /**
     * Draws each channel over the input image {@code [C, H, W]} (C = 1 or 3) in gray, the map
     * resized to the image and blended with the given opacity.
     */
    public ActivationGrid overlay(Tensor inputImage, double alpha) {
        this.overlay = Objects.requireNonNull(inputImage, "inputImage");
        this.overlayAlpha = alpha;
        return this;
    }

    /** Normalisation (default per tile, as activation magnitudes differ widely across channels). */
    public ActivationGrid normalization(Normalization n) {
        this.norm = Objects.requireNonNull(n, "normalization");
        return this;
    }

    /** Colormap (default viridis). */
    public ActivationGrid colormap(Colormap m) {
        this.map = Objects.requireNonNull(m, "colormap");
        return this;
    }

    /** On-screen size of a tile's longer side (default: native size, at least 24). */
    public ActivationGrid tileSize(double px) {
        this.tilePixels = px;
        return this;
    }

    /** Builds the figure. */
    public TileFigure build() {
        if (act.rank() == 1 || act.rank() == 2) {
            // dense [C] as one strip; 1-D [C, L] as one C x L heatmap tile
            int h = act.rank() == 1 ? 1 : act.shape().dim(0), w = act.rank() == 1 ? act.shape().dim(0) : act.shape().dim(1);
            Tile tile = Tile.values(act.rank() == 1 ? "units 0-" + (w - 1) : "channels x length", h, w, act.toArray());
            double scale = Math.max(1, Math.min(24, 480.0 / w));
            return new TileGrid(title, List.of(tile), 1, scale, map, Normalization.GLOBAL, "activation");
        }
        int c = act.shape().dim(0), h = act.shape().dim(1), w = act.shape().dim(2);
        int plane = h * w, samples = batch == null ? 1 : batch.shape().dim(0);
        float[] all = batch == null ? act.toArray() : batch.toArray();
        double[] means = new double[c];
        for (int n = 0; n < samples; n++) {
            for (int ch = 0; ch < c; ch++) {
                double s = 0;
                for (int i = 0; i < plane; i++) {
                    float v = all[(n * c + ch) * plane + i];
                    if (Float.isFinite(v)) {
                        s += v;
                    }
                }
                means[ch] += plane == 0 ? 0 : s / plane / samples;
            }
        }
        int[] order;
        String t = title;
        if (topK > 0) {
            order = IntStream.range(0, c).boxed().sorted(Comparator.comparingDouble(i -> -means[i]))
                    .limit(Math.min(topK, c)).mapToInt(Integer::intValue).toArray();
            t += " (top " + order.length + " of " + c + " by mean)";
        } else {
            order = IntStream.range(0, Math.min(c, maxChannels)).toArray();
            if (order.length < c) {
                t += " (first " + order.length + " of " + c + ")";
            }
        }
        List<Tile> tiles = new ArrayList<>(order.length * samples);
        Images.Gray base = overlay == null ? null : Images.gray(overlay);
        for (int n = 0; n < samples; n++) {
            for (int ch : order) {
                int from = (n * c + ch) * plane;
                float[] p = Arrays.copyOfRange(all, from, from + plane);
                // probes counted from 1, as the report's headings count them
                String label = (batch != null ? "p" + (n + 1) + " " : "") + "#" + ch + (topK > 0 && batch == null ? " \u03bc=" + Num.label(means[ch]) : "");
                if (overlay != null) {
                    tiles.add(overlayTile(base, label, p, h, w));
                } else {
                    tiles.add(Tile.values(label, h, w, p));
                }
            }
        }
        if (batch != null) {
            t += ", a row per probe";
        }
        int cols = batch != null ? order.length : columns > 0 ? columns : (int) Math.ceil(Math.sqrt(tiles.size()));
        int side = overlay != null ? Math.max(overlay.shape().dim(1), overlay.shape().dim(2)) : Math.max(h, w);
        // small maps are shown at least 64 px wide so they and their labels read; the embedded raster stays at native size
        double scale = tilePixels > 0 ? tilePixels / side : Math.max(1, 64.0 / side);
        if (overlay == null) {
            return new TileGrid(t, tiles, cols, scale, map, norm, "activation");
        }
        return new TileGrid(t, tiles, cols, scale, map, norm, "activation (over input)",
                ValueScale.of(act.stats(), false), act.stats().hasNonFinite());
    }

    private Tile overlayTile(Images.Gray base, String label, float[] plane, int h, int w) {
        float[] up = Images.resize(plane, h, w, base.height(), base.width());
        int[] px = Images.blend(base, up, map, overlayAlpha, norm == Normalization.GLOBAL ? act.stats() : null);
        return Tile.argb(label, base.height(), base.width(), px);
    }
}
