package io.nnviz.api.attribution;

import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;

import java.util.Map;
import java.util.Objects;

/**
 * Input x Gradient (Shrikumar et al., 2016): each input value times the score's gradient there, a
 * first-order estimate of its contribution; for a linear score with a zero baseline it equals
 * Integrated Gradients exactly.
 */
public final class InputXGradient implements AttributionMethod {
    private final ModelView model;

    private InputXGradient(ModelView model) {
        this.model = model;
    }

    /** Input x Gradient of this model's output score. */
    public static InputXGradient of(ModelView model) {
        return new InputXGradient(Objects.requireNonNull(model, "model"));
    }

    @Override
    public String name() {
        return "Input x Gradient";
    }

    @Override
    public Attribution attribute(Tensor input, int target) {
        Scores.requireSingle(input, "input x gradient");
        Tensor g = model.inputGradient(input, target);
        float[] v = input.toArray();
        for (int i = 0; i < v.length; i++) {
            v[i] *= g.getFlat(i);
        }
        return Attribution.ofValues(name(), target, Tensor.adopt(v, input.shape().toArray()), Map.of());
    }
}
