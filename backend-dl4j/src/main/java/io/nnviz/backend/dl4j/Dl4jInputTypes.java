package io.nnviz.backend.dl4j;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;

import java.util.List;

/**
 * The image input of a network configured with {@code setInputType(InputType.convolutional(h, w, c))},
 * which DL4J uses to set up its layers and then forgets: a network fresh from its configuration (or
 * a saved zip) has no input array to read the size from. The size is still written in the network:
 * the first image-to-dense preprocessor holds the height and width that reach it, and the
 * convolution and pooling layers before it say how they shrank the image. So the input is worked
 * back through those layers and then checked forward with DL4J's own shape inference.
 */
final class Dl4jInputTypes {
    private Dl4jInputTypes() {
    }

    /** The image input type, or null where the configuration does not determine it. */
    static InputType fromPreprocessors(MultiLayerConfiguration conf) {
        int n = conf.getConfs().size(), at = -1;
        CnnToFeedForwardPreProcessor p = null;
        for (int i = 1; i < n && p == null; i++) {
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre instanceof CnnToFeedForwardPreProcessor c) {
                p = c;
                at = i;
            }
        }
        if (p == null || !(LayerMapping.unwrapFrozen(conf.getConf(0).getLayer()) instanceof ConvolutionLayer first)
                || first instanceof Deconvolution2D || first.getNIn() <= 0) {
            return null;
        }
        long h = p.getInputHeight(), w = p.getInputWidth();
        for (int i = at - 1; i >= 0; i--) {
            org.deeplearning4j.nn.conf.layers.Layer l = LayerMapping.unwrapFrozen(conf.getConf(i).getLayer());
            if (l instanceof ConvolutionLayer c && !(l instanceof Deconvolution2D)) {
                h = before(h, c.getKernelSize()[0], c.getStride()[0], c.getPadding()[0], c.getDilation()[0], c.getConvolutionMode());
                w = before(w, c.getKernelSize()[1], c.getStride()[1], c.getPadding()[1], c.getDilation()[1], c.getConvolutionMode());
            } else if (l instanceof SubsamplingLayer s) {
                h = before(h, s.getKernelSize()[0], s.getStride()[0], s.getPadding()[0], s.getDilation()[0], s.getConvolutionMode());
                w = before(w, s.getKernelSize()[1], s.getStride()[1], s.getPadding()[1], s.getDilation()[1], s.getConvolutionMode());
            } else if (!(l instanceof BatchNormalization || l instanceof ActivationLayer || l instanceof DropoutLayer
                    || l instanceof LocalResponseNormalization)) {
                return null; // a layer whose effect on the size is not worked back here
            }
            if (h <= 0 || w <= 0) {
                return null;
            }
        }
        CNN2DFormat format = first.getCnn2dDataFormat() == null ? CNN2DFormat.NCHW : first.getCnn2dDataFormat();
        InputType guess = InputType.convolutional(h, w, first.getNIn(), format);
        try {
            List<InputType> types = conf.getLayerActivationTypes(guess);
            return types.get(at - 1) instanceof InputType.InputTypeConvolutional c && c.getHeight() == p.getInputHeight()
                    && c.getWidth() == p.getInputWidth() && c.getChannels() == p.getNumChannels() ? guess : null;
        } catch (RuntimeException e) {
            return null; // DL4J refuses the size: not the network's input
        }
    }

    /**
     * The input size that gives {@code out} through one layer. Where several do (a stride that
     * drops a remainder), the smallest: the one that divides evenly, as image sizes in practice do.
     */
    private static long before(long out, int kernel, int stride, int pad, int dilation, ConvolutionMode mode) {
        if (mode == ConvolutionMode.Same) {
            return out * stride;
        }
        long effective = kernel + (long) (kernel - 1) * (Math.max(1, dilation) - 1);
        return (out - 1) * stride + effective - 2L * pad;
    }
}
