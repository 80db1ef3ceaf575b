package io.nnviz.backend.dl4j;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * The input type of a live network, which DL4J uses to set up its layers and then forgets: from
 * the first preprocessor, the network's last input, (for a multi-layer network) the image size its
 * layers work back to, or the first layer's {@code nIn}, in that order; null where none of them tells.
 *
 * <p>A network configured with {@code setInputType(InputType.convolutional(h, w, c))} fresh from
 * its configuration (or a saved zip) has no input array to read the size from, but the size is
 * still written in the network: the first image-to-dense preprocessor holds the height and width
 * that reach it, and the convolution and pooling layers before it say how they shrank the image.
 * So the input is worked back through those layers and then checked forward with DL4J's own shape
 * inference ({@link #fromPreprocessors}).
 */
final class Dl4jInputTypes {
    private Dl4jInputTypes() {
    }

    /** The input type of a multi-layer network, or null. */
    static InputType of(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        InputPreProcessor pre = conf.getInputPreProcess(0);
        if (pre instanceof FeedForwardToCnnPreProcessor p) {
            return InputType.convolutionalFlat(p.getInputHeight(), p.getInputWidth(), p.getNumChannels());
        }
        Layer first = Dl4jLayerKinds.unwrapFrozen(conf.getConf(0).getLayer());
        InputType fromInput = fromArray(net.getInput(), first);
        if (fromInput != null) {
            return fromInput;
        }
        InputType fromConf = fromPreprocessors(conf);
        return fromConf != null ? fromConf : fromFirstLayer(first);
    }

    /** The input types of a graph, one per network input, or null if any is unknown. */
    static InputType[] of(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        List<String> inputs = conf.getNetworkInputs();
        InputType[] out = new InputType[inputs.size()];
        INDArray[] last = graph.getInputs();
        for (int k = 0; k < out.length; k++) {
            LayerVertex fed = firstFedVertex(conf, inputs.get(k));
            Layer first = fed == null ? null : Dl4jLayerKinds.unwrapFrozen(fed.getLayerConf().getLayer());
            InputPreProcessor pre = fed == null ? null : fed.getPreProcessor();
            if (pre instanceof FeedForwardToCnnPreProcessor p) {
                out[k] = InputType.convolutionalFlat(p.getInputHeight(), p.getInputWidth(), p.getNumChannels());
                continue;
            }
            out[k] = fromArray(last != null && last.length > k ? last[k] : null, first);
            if (out[k] == null && first != null) {
                out[k] = fromFirstLayer(first);
            }
            if (out[k] == null) {
                return null;
            }
        }
        return out;
    }

    /** The first layer the graph's first input feeds, or null. */
    static Layer firstLayerFed(ComputationGraphConfiguration conf) {
        List<Layer> chain = fedChain(conf, conf.getNetworkInputs().get(0));
        return chain.isEmpty() ? null : chain.get(0);
    }

    /** The layers an input feeds, each the first layer vertex fed by the one before. */
    static List<Layer> fedChain(ComputationGraphConfiguration conf, String input) {
        List<Layer> chain = new ArrayList<>();
        for (String at = firstFed(conf, input); at != null && chain.size() < conf.getVertices().size(); at = firstFed(conf, at)) {
            chain.add(((LayerVertex) conf.getVertices().get(at)).getLayerConf().getLayer());
        }
        return chain;
    }

    /** The first layer vertex (in topological order) fed by vertex {@code from}: its name, or null. */
    private static String firstFed(ComputationGraphConfiguration conf, String from) {
        for (String name : conf.getTopologicalOrderStr()) {
            List<String> ins = conf.getVertexInputs().get(name);
            if (ins != null && ins.contains(from) && conf.getVertices().get(name) instanceof LayerVertex) {
                return name;
            }
        }
        return null;
    }

    private static LayerVertex firstFedVertex(ComputationGraphConfiguration conf, String from) {
        String name = firstFed(conf, from);
        return name == null ? null : (LayerVertex) conf.getVertices().get(name);
    }

    /** The type of the array the network last took, in the layout of the first layer it feeds; null if none. */
    private static InputType fromArray(INDArray a, Layer first) {
        if (a == null) {
            return null;
        }
        long[] s = a.shape();
        if (s.length == 2) {
            return InputType.feedForward(s[1]);
        }
        if (s.length == 4) {
            boolean nhwc = Dl4jLayerKinds.imageFormat(first) == CNN2DFormat.NHWC;
            return nhwc ? InputType.convolutional(s[1], s[2], s[3], CNN2DFormat.NHWC)
                    : InputType.convolutional(s[2], s[3], s[1], CNN2DFormat.NCHW);
        }
        if (s.length == 3) {
            boolean nwc = first instanceof BaseRecurrentLayer r && r.getRnnDataFormat() == RNNFormat.NWC;
            return nwc ? InputType.recurrent(s[2], s[1], RNNFormat.NWC) : InputType.recurrent(s[1], s[2], RNNFormat.NCW);
        }
        return null;
    }

    /** The type the first layer's {@code nIn} gives (vectors, sequences, token indices); null for images, whose size it does not say. */
    private static InputType fromFirstLayer(Layer first) {
        if (first instanceof EmbeddingSequenceLayer) {
            return InputType.recurrent(1); // token indices, one feature per time step
        }
        if (first instanceof BaseRecurrentLayer r && r.getNIn() > 0) {
            return InputType.recurrent(r.getNIn(), r.getRnnDataFormat());
        }
        if (first instanceof FeedForwardLayer f && !(first instanceof ConvolutionLayer) && f.getNIn() > 0
                && !(first instanceof EmbeddingSequenceLayer)) {
            return InputType.feedForward(f.getNIn());
        }
        return null;
    }

    /** The image input type worked back from the first image-to-dense preprocessor, or null where the configuration does not determine it. */
    private static InputType fromPreprocessors(MultiLayerConfiguration conf) {
        int n = conf.getConfs().size(), at = -1;
        CnnToFeedForwardPreProcessor p = null;
        for (int i = 1; i < n && p == null; i++) {
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre instanceof CnnToFeedForwardPreProcessor c) {
                p = c;
                at = i;
            }
        }
        if (p == null || !(Dl4jLayerKinds.unwrapFrozen(conf.getConf(0).getLayer()) instanceof ConvolutionLayer first)
                || first instanceof Deconvolution2D || first.getNIn() <= 0) {
            return null;
        }
        long h = p.getInputHeight(), w = p.getInputWidth();
        for (int i = at - 1; i >= 0; i--) {
            Layer l = Dl4jLayerKinds.unwrapFrozen(conf.getConf(i).getLayer());
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
