package io.nnviz.backend.dl4j;

import io.nnviz.api.LayerKind;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BaseUpsamplingLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LearnedSelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.Pooling1D;
import org.deeplearning4j.nn.conf.layers.RecurrentAttentionLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.Subsampling1DLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling1D;
import org.deeplearning4j.nn.conf.layers.ZeroPadding1DLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping1D;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.conf.layers.recurrent.TimeDistributed;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What nnviz knows about DL4J layer configurations: the kind of each layer type, its attributes,
 * and how its parameters become canonical weights. Unknown types map to {@link LayerKind#OTHER}
 * and keep their parameters as they are.
 */
final class LayerMapping {
    private LayerMapping() {
    }

    /** The layer inside wrappers that only change how it is trained (frozen layers). */
    static org.deeplearning4j.nn.conf.layers.Layer unwrapFrozen(org.deeplearning4j.nn.conf.layers.Layer l) {
        if (l instanceof FrozenLayer f) {
            return unwrapFrozen(f.getLayer());
        }
        if (l instanceof FrozenLayerWithBackprop f) {
            return unwrapFrozen(f.getUnderlying());
        }
        return l;
    }

    static LayerKind kind(org.deeplearning4j.nn.conf.layers.Layer layer) {
        org.deeplearning4j.nn.conf.layers.Layer l = unwrapFrozen(layer);
        if (l instanceof BaseOutputLayer || l instanceof org.deeplearning4j.nn.conf.layers.LossLayer
                || l instanceof org.deeplearning4j.nn.conf.layers.RnnLossLayer
                || l instanceof org.deeplearning4j.nn.conf.layers.CnnLossLayer) {
            return LayerKind.OUTPUT;
        }
        if (l instanceof ConvolutionLayer) { // 1-D, 2-D, depthwise, separable, deconvolution
            return LayerKind.CONV;
        }
        if (l instanceof SubsamplingLayer || l instanceof GlobalPoolingLayer
                || l instanceof org.deeplearning4j.nn.conf.layers.Subsampling3DLayer) {
            return LayerKind.POOL;
        }
        if (l instanceof BatchNormalization || l instanceof LocalResponseNormalization) {
            return LayerKind.NORM;
        }
        if (l instanceof SelfAttentionLayer || l instanceof LearnedSelfAttentionLayer || l instanceof RecurrentAttentionLayer) {
            return LayerKind.ATTENTION;
        }
        if (l instanceof org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer || l instanceof Bidirectional
                || l instanceof LastTimeStep) {
            return LayerKind.RECURRENT;
        }
        if (l instanceof EmbeddingLayer || l instanceof EmbeddingSequenceLayer) {
            return LayerKind.EMBEDDING;
        }
        if (l instanceof DropoutLayer) {
            return LayerKind.DROPOUT;
        }
        if (l instanceof ActivationLayer || l instanceof org.deeplearning4j.nn.conf.layers.PReLULayer) {
            return LayerKind.ACTIVATION;
        }
        if (l instanceof BaseUpsamplingLayer || l instanceof ZeroPaddingLayer || l instanceof ZeroPadding1DLayer
                || l instanceof Cropping1D || l instanceof Cropping2D
                || l instanceof org.deeplearning4j.nn.conf.layers.SpaceToDepthLayer
                || l instanceof org.deeplearning4j.nn.conf.layers.SpaceToBatchLayer
                || l instanceof org.deeplearning4j.nn.conf.layers.misc.RepeatVector) {
            return LayerKind.RESHAPE;
        }
        if (l instanceof TimeDistributed t) {
            return kind(t.getUnderlying());
        }
        if (l instanceof DenseLayer || l instanceof org.deeplearning4j.nn.conf.layers.misc.ElementWiseMultiplicationLayer) {
            return LayerKind.DENSE;
        }
        return LayerKind.OTHER;
    }

    /** True if the layer's 3-D activations are convolution maps (kept NCW), not sequences ([N, T, C]). */
    static boolean isConv1d(org.deeplearning4j.nn.conf.layers.Layer layer) {
        org.deeplearning4j.nn.conf.layers.Layer l = unwrapFrozen(layer);
        return l instanceof Convolution1DLayer || l instanceof Subsampling1DLayer || l instanceof Upsampling1D
                || l instanceof ZeroPadding1DLayer || l instanceof Cropping1D || l instanceof Pooling1D;
    }

    /** The image layout a 2-D image layer works in (convolution, pooling, padding, upsampling, ...), or null. */
    static org.deeplearning4j.nn.conf.CNN2DFormat imageFormat(org.deeplearning4j.nn.conf.layers.Layer layer) {
        org.deeplearning4j.nn.conf.layers.Layer l = unwrapFrozen(layer);
        if (l == null || isConv1d(l)) {
            return null;
        }
        if (l instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer c) {
            return c.getCnn2dDataFormat();
        }
        if (l instanceof org.deeplearning4j.nn.conf.layers.SubsamplingLayer s) {
            return s.getCnn2dDataFormat();
        }
        if (l instanceof org.deeplearning4j.nn.conf.layers.Upsampling2D u) {
            return u.getFormat();
        }
        if (l instanceof org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer z) {
            return z.getDataFormat();
        }
        if (l instanceof org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D c) {
            return c.getDataFormat();
        }
        if (l instanceof org.deeplearning4j.nn.conf.layers.SpaceToDepthLayer d) {
            return d.getDataFormat();
        }
        return null;
    }

    /** Configuration details shown on the layer: kernel, stride, padding, units, activation, ... */
    static Map<String, String> attributes(org.deeplearning4j.nn.conf.layers.Layer layer) {
        Map<String, String> a = new LinkedHashMap<>();
        org.deeplearning4j.nn.conf.layers.Layer l = unwrapFrozen(layer);
        if (l != layer) {
            a.put("frozen", "true");
        }
        if (l instanceof ConvolutionLayer c) {
            a.put("kernel", dims(c.getKernelSize()));
            a.put("stride", dims(c.getStride()));
            a.put("padding", dims(c.getPadding()));
            if (c.getDilation() != null && (c.getDilation()[0] != 1 || c.getDilation().length > 1 && c.getDilation()[1] != 1)) {
                a.put("dilation", dims(c.getDilation()));
            }
            a.put("mode", String.valueOf(c.getConvolutionMode()));
            if (l instanceof DepthwiseConvolution2D d) {
                a.put("depth multiplier", String.valueOf(d.getDepthMultiplier()));
            }
            if (l instanceof SeparableConvolution2D s) {
                a.put("depth multiplier", String.valueOf(s.getDepthMultiplier()));
            }
            if (c.getCnn2dDataFormat() != null) {
                a.put("data format", String.valueOf(c.getCnn2dDataFormat()));
            }
        }
        if (l instanceof SubsamplingLayer s) {
            a.put("pooling", String.valueOf(s.getPoolingType()));
            a.put("kernel", dims(s.getKernelSize()));
            a.put("stride", dims(s.getStride()));
        }
        if (l instanceof GlobalPoolingLayer g) {
            a.put("pooling", String.valueOf(g.getPoolingType()));
        }
        if (l instanceof FeedForwardLayer f) {
            a.put("in", String.valueOf(f.getNIn()));
            a.put("units", String.valueOf(f.getNOut()));
        }
        if (l instanceof BaseLayer b && b.getActivationFn() != null) {
            a.put("activation", b.getActivationFn().toString());
        }
        if (l instanceof ActivationLayer act && act.getActivationFn() != null) {
            a.put("activation", act.getActivationFn().toString());
        }
        if (l instanceof BaseOutputLayer o && o.getLossFn() != null) {
            a.put("loss", o.getLossFn().toString());
        }
        if (l instanceof SelfAttentionLayer s) {
            a.put("heads", String.valueOf(s.getNHeads()));
        }
        if (l instanceof Bidirectional b) {
            a.put("mode", String.valueOf(b.getMode()));
            a.put("wraps", b.getFwd().getClass().getSimpleName());
        }
        if (l instanceof BaseWrapperLayer w) {
            a.put("wraps", w.getUnderlying().getClass().getSimpleName());
        }
        if (l instanceof AbstractSameDiffLayer) {
            a.put("samediff", "true");
        }
        if (l.getIDropout() != null) {
            a.put("dropout", l.getIDropout().toString());
        }
        return a;
    }

    private static String dims(int[] d) {
        if (d == null) {
            return "?";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < d.length; i++) {
            sb.append(i == 0 ? "" : "x").append(d[i]);
        }
        return sb.toString();
    }

    /** A parameter's role and its conversion to the canonical layout. */
    record ParamMapping(String name, WeightRole role, java.util.function.UnaryOperator<Tensor> toCanonical) {
        /** The 2-D transpose, done by ND4J while copying (native, far faster than permuting in Java). */
        static final java.util.function.UnaryOperator<Tensor> TRANSPOSE = t -> t.permute(1, 0);

        /** True if the conversion is a plain 2-D transpose. */
        boolean isTranspose() {
            return toCanonical == TRANSPOSE;
        }
    }

    /** How DL4J parameter {@code key} of {@code layer} (with DL4J shape {@code shape}) maps. */
    static ParamMapping param(org.deeplearning4j.nn.conf.layers.Layer layer, String key, long[] shape) {
        org.deeplearning4j.nn.conf.layers.Layer l = unwrapFrozen(layer);
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
        java.util.function.UnaryOperator<Tensor> flat = t -> t.reshape(t.size());
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
            if (l instanceof org.deeplearning4j.nn.conf.layers.Deconvolution2D && shape.length == 4) {
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
        if (l instanceof org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer || l instanceof SimpleRnn) {
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
