package io.nnviz.backend.dl4j;

import io.nnviz.api.LayerKind;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.BaseUpsamplingLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LearnedSelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.conf.layers.Pooling1D;
import org.deeplearning4j.nn.conf.layers.RecurrentAttentionLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SpaceToBatchLayer;
import org.deeplearning4j.nn.conf.layers.SpaceToDepthLayer;
import org.deeplearning4j.nn.conf.layers.Subsampling1DLayer;
import org.deeplearning4j.nn.conf.layers.Subsampling3DLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling1D;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPadding1DLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping1D;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.conf.layers.misc.ElementWiseMultiplicationLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.misc.RepeatVector;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.TimeDistributed;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What kind of layer each DL4J layer and vertex type is, the image or sequence layout it works
 * in, and the configuration details shown on it. Unknown types are {@link LayerKind#OTHER}.
 */
final class Dl4jLayerKinds {
    private Dl4jLayerKinds() {
    }

    /** The layer inside wrappers that only change how it is trained (frozen layers). */
    static Layer unwrapFrozen(Layer l) {
        if (l instanceof FrozenLayer f) {
            return unwrapFrozen(f.getLayer());
        }
        if (l instanceof FrozenLayerWithBackprop f) {
            return unwrapFrozen(f.getUnderlying());
        }
        return l;
    }

    /** The kind of a layer configuration, frozen or not; {@link LayerKind#OTHER} for types not known here. */
    static LayerKind kind(Layer layer) {
        Layer l = unwrapFrozen(layer);
        if (l instanceof BaseOutputLayer || l instanceof LossLayer || l instanceof RnnLossLayer || l instanceof CnnLossLayer) {
            return LayerKind.OUTPUT;
        }
        if (l instanceof ConvolutionLayer) { // 1-D, 2-D, depthwise, separable, deconvolution
            return LayerKind.CONV;
        }
        if (l instanceof SubsamplingLayer || l instanceof GlobalPoolingLayer || l instanceof Subsampling3DLayer) {
            return LayerKind.POOL;
        }
        if (l instanceof BatchNormalization || l instanceof LocalResponseNormalization) {
            return LayerKind.NORM;
        }
        if (l instanceof SelfAttentionLayer || l instanceof LearnedSelfAttentionLayer || l instanceof RecurrentAttentionLayer) {
            return LayerKind.ATTENTION;
        }
        if (l instanceof BaseRecurrentLayer || l instanceof Bidirectional || l instanceof LastTimeStep) {
            return LayerKind.RECURRENT;
        }
        if (l instanceof EmbeddingLayer || l instanceof EmbeddingSequenceLayer) {
            return LayerKind.EMBEDDING;
        }
        if (l instanceof DropoutLayer) {
            return LayerKind.DROPOUT;
        }
        if (l instanceof ActivationLayer || l instanceof PReLULayer) {
            return LayerKind.ACTIVATION;
        }
        if (l instanceof BaseUpsamplingLayer || l instanceof ZeroPaddingLayer || l instanceof ZeroPadding1DLayer
                || l instanceof Cropping1D || l instanceof Cropping2D || l instanceof SpaceToDepthLayer
                || l instanceof SpaceToBatchLayer || l instanceof RepeatVector) {
            return LayerKind.RESHAPE;
        }
        if (l instanceof TimeDistributed t) {
            return kind(t.getUnderlying());
        }
        if (l instanceof DenseLayer || l instanceof ElementWiseMultiplicationLayer) {
            return LayerKind.DENSE;
        }
        return LayerKind.OTHER;
    }

    /** True if the layer's 3-D activations are convolution maps (kept NCW), not sequences ([N, T, C]). */
    static boolean isConv1d(Layer layer) {
        Layer l = unwrapFrozen(layer);
        return l instanceof Convolution1DLayer || l instanceof Subsampling1DLayer || l instanceof Upsampling1D
                || l instanceof ZeroPadding1DLayer || l instanceof Cropping1D || l instanceof Pooling1D;
    }

    /** The image layout a 2-D image layer works in (convolution, pooling, padding, upsampling, ...), or null. */
    static CNN2DFormat imageFormat(Layer layer) {
        Layer l = unwrapFrozen(layer);
        if (l == null || isConv1d(l)) {
            return null;
        }
        if (l instanceof ConvolutionLayer c) {
            return c.getCnn2dDataFormat();
        }
        if (l instanceof SubsamplingLayer s) {
            return s.getCnn2dDataFormat();
        }
        if (l instanceof Upsampling2D u) {
            return u.getFormat();
        }
        if (l instanceof ZeroPaddingLayer z) {
            return z.getDataFormat();
        }
        if (l instanceof Cropping2D c) {
            return c.getDataFormat();
        }
        if (l instanceof SpaceToDepthLayer d) {
            return d.getDataFormat();
        }
        return null;
    }

    /** Configuration details shown on the layer: kernel, stride, padding, units, activation, ... */
    static Map<String, String> attributes(Layer layer) {
        Map<String, String> a = new LinkedHashMap<>();
        Layer l = unwrapFrozen(layer);
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

    /** The kind of a graph vertex that is not a layer (merges, reshapes, normalisation, attention). */
    static LayerKind vertexKind(GraphVertex v) {
        String t = v.getClass().getSimpleName();
        return switch (t) {
            case "MergeVertex", "ElementWiseVertex" -> LayerKind.MERGE;
            case "StackVertex", "UnstackVertex", "SubsetVertex", "ReshapeVertex", "PreprocessorVertex",
                 "LastTimeStepVertex", "DuplicateToTimeSeriesVertex", "ReverseTimeSeriesVertex" -> LayerKind.RESHAPE;
            case "L2NormalizeVertex" -> LayerKind.NORM;
            case "AttentionVertex" -> LayerKind.ATTENTION;
            default -> LayerKind.OTHER;
        };
    }
}
