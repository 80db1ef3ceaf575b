package io.nnviz.renderers.figures;

import io.nnviz.api.LayerGradient;
import io.nnviz.api.Tensor;
import io.nnviz.api.TensorStats;
import io.nnviz.api.attribution.GradCam;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.color.Colormap;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.color.ValueScale;

import java.util.List;
import java.util.Objects;

/**
 * Where a model looks: an input image, a heat map over it (saliency from
 * {@link io.nnviz.api.ModelView#inputGradient} or Grad-CAM from {@link io.nnviz.api.ModelView#layerGradient}),
 * and the two blended, side by side.
 *
 * <pre>{@code
 * Tensor grad = model.inputGradient(image, predictedClass);
 * Figure f = SaliencyOverlay.saliency(image.slice(0), grad.slice(0)).title("Saliency: sneaker").build();
 * Figure g = SaliencyOverlay.gradCam(image.slice(0), model.layerGradient(image, "conv2", predictedClass)).build();
 * }</pre>
 */
public final class SaliencyOverlay {
    private final Tensor image;
    private final float[] heat;
    private final int heatH, heatW;
    private String title;
    private Colormap map = Colormaps.HEAT;
    private double alpha = 0.55;
    private double size = 140;

    private SaliencyOverlay(Tensor image, float[] heat, int h, int w, String title) {
        this.image = image;
        this.heat = heat;
        this.heatH = h;
        this.heatW = w;
        this.title = title;
    }

    /**
     * Vanilla saliency: the maximum absolute input gradient over channels, per pixel.
     *
     * @param image    one input {@code [C, H, W]}
     * @param gradient its gradient, same shape
     */
    public static SaliencyOverlay saliency(Tensor image, Tensor gradient) {
        Objects.requireNonNull(image, "image");
        if (!image.shape().equals(gradient.shape()) || gradient.rank() != 3) {
            throw new IllegalArgumentException("saliency needs image and gradient of one shape [C, H, W], got "
                    + image.shape() + " and " + gradient.shape());
        }
        int c = gradient.shape().dim(0), h = gradient.shape().dim(1), w = gradient.shape().dim(2), n = h * w;
        float[] g = gradient.toArray(), m = new float[n];
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < n; i++) {
                m[i] = Math.max(m[i], Math.abs(g[k * n + i]));
            }
        }
        return new SaliencyOverlay(image, m, h, w, "Saliency |d score / d input|");
    }

    /**
     * Occlusion: an {@link io.nnviz.api.attribution.Occlusion} map {@code [H, W]} of the image, its positive part
     * (where hiding the input lowers the score) as the heat.
     */
    public static SaliencyOverlay occlusion(Tensor image, Tensor map) {
        Objects.requireNonNull(image, "image");
        if (map.rank() != 2 || image.rank() != 3 || map.shape().dim(0) != image.shape().dim(1) || map.shape().dim(1) != image.shape().dim(2)) {
            throw new IllegalArgumentException("occlusion needs an image [C, H, W] and its map [H, W], got " + image.shape() + " and " + map.shape());
        }
        float[] m = map.toArray();
        for (int i = 0; i < m.length; i++) {
            m[i] = Math.max(0, m[i]);
        }
        return new SaliencyOverlay(image, m, map.shape().dim(0), map.shape().dim(1), "Occlusion: score drop when hidden");
    }

    /** Grad-CAM: {@link #gradCamMap(LayerGradient)} of the first sample, upsampled over the image. */
    public static SaliencyOverlay gradCam(Tensor image, LayerGradient lg) {
        Tensor cam = gradCamMap(lg);
        return new SaliencyOverlay(image, cam.toArray(), cam.shape().dim(0), cam.shape().dim(1),
                "Grad-CAM of " + lg.layerId() + " for output " + lg.target());
    }

    /**
     * The Grad-CAM map {@code ReLU(sum_c alpha_c A_c)} with {@code alpha_c} the spatial mean of
     * the gradient of channel c, for the first sample of an NCHW layer gradient: {@code [H, W]}
     * ({@link io.nnviz.api.attribution.GradCam#map}).
     */
    public static Tensor gradCamMap(LayerGradient lg) {
        return GradCam.map(lg);
    }

    /** Title. */
    public SaliencyOverlay title(String t) {
        this.title = Objects.requireNonNull(t, "title");
        return this;
    }

    /** Colormap of the heat (default heat). */
    public SaliencyOverlay colormap(Colormap m) {
        this.map = Objects.requireNonNull(m, "colormap");
        return this;
    }

    /** Opacity of the heat over the image (default 0.55). */
    public SaliencyOverlay alpha(double a) {
        this.alpha = a;
        return this;
    }

    /** On-screen size of each panel's longer side (default 140). */
    public SaliencyOverlay panelSize(double px) {
        this.size = px;
        return this;
    }

    /** Builds the three-panel figure: input, heat, overlay. */
    public Figure build() {
        Images.Gray base = Images.gray(image);
        int h = base.height(), w = base.width();
        float[] up = Images.resize(heat, heatH, heatW, h, w);
        TensorStats hs = TensorStats.of(up);
        int[] heatPx = Images.blend(base, up, map, 1.0, hs);
        int[] overPx = Images.blend(base, up, map, alpha, hs);
        List<Tile> tiles = List.of(Tile.argb("input", h, w, Images.argb(base)), Tile.argb("heat", h, w, heatPx),
                Tile.argb("overlay", h, w, overPx));
        return new TileGrid(title, tiles, 3, size / Math.max(h, w), map, Normalization.GLOBAL, "importance",
                hs.finite() == 0 ? new ValueScale(0, 0) : ValueScale.of(hs.min(), hs.max(), false), hs.hasNonFinite());
    }
}
