package io.nnviz.api.attribution;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerGradient;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;

import java.util.Map;
import java.util.Objects;

/**
 * Class activation maps from a conv layer's activations A and the score's gradient g there,
 * upsampled over the input. Grad-CAM (Selvaraju et al., 2017) weighs each channel by its mean
 * gradient; Grad-CAM++ (Chattopadhyay et al., 2018) by its positive gradients, each scaled by
 * {@code g^2 / (2 g^2 + sum(A) g^3)} (the paper's closed form for an exponentiated score), which
 * credits every instance of a class, not the strongest one. Both are ReLU'd: what speaks for the
 * target.
 */
public final class GradCam implements AttributionMethod, Cloneable {
    private final ModelView model;
    private final boolean plusPlus;
    private String layer;

    private GradCam(ModelView model, boolean plusPlus) {
        this.model = Objects.requireNonNull(model, "model");
        this.plusPlus = plusPlus;
    }

    /** Grad-CAM on the model's last conv layer unless {@link #layer} says. */
    public static GradCam of(ModelView model) {
        return new GradCam(model, false);
    }

    /** Grad-CAM++ on the model's last conv layer unless {@link #layer} says. */
    public static GradCam plusPlus(ModelView model) {
        return new GradCam(model, true);
    }

    /** The layer whose activations are weighed (a conv layer, output {@code [N, C, H, W]}). */
    public GradCam layer(String layerId) {
        GradCam c = copy();
        c.layer = Objects.requireNonNull(layerId, "layerId");
        return c;
    }

    @Override
    public String name() {
        return plusPlus ? "Grad-CAM++" : "Grad-CAM";
    }

    /** The model's last conv layer (in layer order), the usual choice: the most semantic maps that still have a layout. */
    static String lastConv(ModelView model) {
        String id = null;
        for (LayerInfo l : model.layers()) {
            if (l.kind() == LayerKind.CONV) {
                id = l.id();
            }
        }
        if (id == null) {
            throw new InvalidInputException("model '" + model.name() + "' has no conv layer for a class activation map; name one with layer(...)");
        }
        return id;
    }

    @Override
    public Attribution attribute(Tensor input, int target) {
        if (input.rank() != 4 || input.shape().dim(0) != 1) {
            throw new InvalidInputException(name() + " takes one image [1, C, H, W], got " + input.shape());
        }
        String id = layer != null ? layer : lastConv(model);
        LayerGradient lg = model.layerGradient(input, id, target);
        Tensor cam = plusPlus ? plusPlusMap(lg) : map(lg);
        return new Attribution(name(), target, null, Maps.upsample(cam, input.shape().dim(2), input.shape().dim(3)), Map.of());
    }

    /** Grad-CAM at the layer's resolution {@code [h, w]}: ReLU(sum_k mean(g_k) A_k), of the first sample. */
    public static Tensor map(LayerGradient lg) {
        int[] d = requireMaps(lg);
        int k = d[0], hw = d[1] * d[2];
        float[] cam = new float[hw];
        for (int c = 0; c < k; c++) {
            double w = 0;
            for (int i = 0; i < hw; i++) {
                w += lg.gradient().getFlat(c * hw + i);
            }
            w /= hw;
            for (int i = 0; i < hw; i++) {
                cam[i] += (float) (w * lg.activation().getFlat(c * hw + i));
            }
        }
        return relu(cam, d);
    }

    /** Grad-CAM++ at the layer's resolution {@code [h, w]}, of the first sample. */
    public static Tensor plusPlusMap(LayerGradient lg) {
        int[] d = requireMaps(lg);
        int k = d[0], hw = d[1] * d[2];
        float[] cam = new float[hw];
        for (int c = 0; c < k; c++) {
            double sumA = 0;
            for (int i = 0; i < hw; i++) {
                sumA += lg.activation().getFlat(c * hw + i);
            }
            double w = 0;
            for (int i = 0; i < hw; i++) {
                double g = lg.gradient().getFlat(c * hw + i), g2 = g * g, den = 2 * g2 + sumA * g2 * g;
                double alpha = den != 0 ? g2 / den : 0;
                w += alpha * Math.max(0, g);
            }
            for (int i = 0; i < hw; i++) {
                cam[i] += (float) (w * lg.activation().getFlat(c * hw + i));
            }
        }
        return relu(cam, d);
    }

    private static int[] requireMaps(LayerGradient lg) {
        Tensor a = lg.activation();
        if (a.rank() != 4) {
            throw new InvalidInputException("a class activation map needs a conv layer's [N, C, H, W] output; layer '" + lg.layerId() + "' gives "
                    + a.shape());
        }
        return new int[] {a.shape().dim(1), a.shape().dim(2), a.shape().dim(3)};
    }

    private static Tensor relu(float[] cam, int[] d) {
        for (int i = 0; i < cam.length; i++) {
            cam[i] = Math.max(0, cam[i]);
        }
        return Tensor.adopt(cam, d[1], d[2]);
    }

    /** A copy whose settings a setter changes: settings are immutable, and each setter returns a new object. */
    private GradCam copy() {
        try {
            return (GradCam) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }
}
