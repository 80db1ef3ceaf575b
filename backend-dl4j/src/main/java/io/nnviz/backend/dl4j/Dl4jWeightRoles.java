package io.nnviz.backend.dl4j;

import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.conf.layers.recurrent.TimeDistributed;

import java.util.function.UnaryOperator;

/**
 * What each DL4J parameter of a layer is as an nnviz weight: its name, its role (kernel, bias,
 * recurrent kernel, ...) and its conversion from DL4J's layout to the canonical one. Parameters
 * of layer types not known here keep their DL4J key and layout, with role {@link WeightRole#OTHER}.
 */
final class Dl4jWeightRoles {
    private Dl4jWeightRoles() {
    }

    /** A parameter's role and its conversion to the canonical layout. */
    record ParamMapping(String name, WeightRole role, UnaryOperator<Tensor> toCanonical) {
        /**
         * The 2-D transpose, left until the values are first read in order (a figure of the matrix; never a
         * histogram): the training thread copies DL4J's buffer as it is, 0.3 ms for an 800 x 500 kernel where
         * ND4J's transposed copy took 1.6 ms.
         */
        static final UnaryOperator<Tensor> TRANSPOSE = t -> t.permuteLater(1, 0);
    }

    /** How DL4J parameter {@code key} of {@code layer} (with DL4J shape {@code shape}) maps. */
    static ParamMapping param(Layer layer, String key, long[] shape) {
        Layer l = Dl4jLayerKinds.unwrapFrozen(layer);
        if (l instanceof Bidirectional b && key.length() > 1 && (key.startsWith("f") || key.startsWith("b"))) {
            ParamMapping inner = param(b.getFwd(), key.substring(1), shape);
            return new ParamMapping((key.charAt(0) == 'f' ? "forward " : "backward ") + inner.name(), inner.role(),
                    inner.toCanonical());
        }
        if (l instanceof TimeDistributed t) {
            return param(t.getUnderlying(), key, shape);
        }
        if (l instanceof LastTimeStep t) {
            return param(t.getUnderlying(), key, shape);
        }
        boolean vector = shape.length == 1 || shape.length == 2 && shape[0] == 1;
        UnaryOperator<Tensor> flat = t -> t.reshape(t.size());
        switch (key) {
            case "b":
                return new ParamMapping("bias", WeightRole.BIAS, vector ? flat : t -> t);
            case "gamma":
                return new ParamMapping("gamma", WeightRole.GAMMA, flat);
            case "beta":
                return new ParamMapping("beta", WeightRole.BETA, flat);
            case "mean":
                return new ParamMapping("running mean", WeightRole.RUNNING_MEAN, flat);
            case "var":
                return new ParamMapping("running variance", WeightRole.RUNNING_VAR, flat);
            case "log10stdev":
                return new ParamMapping("running log10 std", WeightRole.OTHER, flat);
            default:
                break;
        }
        if (l instanceof DepthwiseConvolution2D && key.equals("W") && shape.length == 4) {
            // [kH, kW, C, M] -> [C * M, 1, kH, kW]; output channel c * M + m, as TensorFlow orders it
            return new ParamMapping("kernel", WeightRole.KERNEL, t -> {
                int kh = t.shape().dim(0), kw = t.shape().dim(1), c = t.shape().dim(2), m = t.shape().dim(3);
                return t.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw);
            });
        }
        if (l instanceof SeparableConvolution2D && shape.length == 4) {
            if (key.equals("W")) {
                // depthwise part [M, C, kH, kW] -> [C * M, 1, kH, kW]
                return new ParamMapping("depthwise kernel", WeightRole.OTHER, t -> {
                    int m = t.shape().dim(0), c = t.shape().dim(1), kh = t.shape().dim(2), kw = t.shape().dim(3);
                    return t.permute(1, 0, 2, 3).reshape(c * m, 1, kh, kw);
                });
            }
            if (key.equals("pW")) {
                return new ParamMapping("pointwise kernel", WeightRole.KERNEL, t -> t);
            }
        }
        if (l instanceof ConvolutionLayer && key.equals("W")) {
            if (l instanceof Convolution1DLayer && shape.length == 4 && shape[3] == 1) {
                return new ParamMapping("kernel", WeightRole.KERNEL, t -> t.reshape(t.shape().dim(0), t.shape().dim(1), t.shape().dim(2)));
            }
            if (l instanceof Deconvolution2D && shape.length == 4) {
                // deconvolution stores [in, out, kH, kW]
                return new ParamMapping("kernel", WeightRole.KERNEL, t -> t.permute(1, 0, 2, 3));
            }
            return new ParamMapping("kernel", WeightRole.KERNEL, t -> t);
        }
        if (l instanceof EmbeddingLayer || l instanceof EmbeddingSequenceLayer) {
            if (key.equals("W")) {
                return new ParamMapping("embedding", WeightRole.EMBEDDING, t -> t); // [vocabulary, dimension]
            }
        }
        if (l instanceof BaseRecurrentLayer || l instanceof SimpleRnn) {
            if (key.equals("W") && shape.length == 2) {
                return new ParamMapping("input kernel", WeightRole.INPUT_KERNEL, ParamMapping.TRANSPOSE);
            }
            if (key.equals("RW") && shape.length == 2) {
                return new ParamMapping("recurrent kernel", WeightRole.RECURRENT_KERNEL, ParamMapping.TRANSPOSE);
            }
        }
        if (key.equals("W") && shape.length == 2 && (l instanceof FeedForwardLayer)) {
            return new ParamMapping("kernel", WeightRole.KERNEL, ParamMapping.TRANSPOSE); // [in, out] -> [out, in]
        }
        return new ParamMapping(key, WeightRole.OTHER, t -> t);
    }
}
