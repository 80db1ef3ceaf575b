package io.nnviz.backend.dl4j;

import io.nnviz.api.Shape;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;

import java.util.List;

/**
 * Canonical output shapes of DL4J layers and vertices (batch first, -1 where unknown): from DL4J's
 * activation types where the input type is known, and otherwise, as in a saved zip, which keeps
 * none, what follows from the configuration and the inputs' partial shapes: layers that keep the
 * shape keep it, image layers that resize keep the channels, merges add the channels.
 */
final class Dl4jShapes {
    private Dl4jShapes() {
    }

    /**
     * The canonical shape of a DL4J activation type: images {@code [N, C, H, W]}, sequences
     * {@code [N, T, C]} ({@code [N, C, T]} for 1-D convolution maps), vectors {@code [N, F]}; null
     * for types not known here.
     */
    static Shape of(InputType t, boolean conv1d) {
        if (t instanceof InputType.InputTypeConvolutional c) {
            return Shape.ofLongs(-1, c.getChannels(), c.getHeight(), c.getWidth());
        }
        if (t instanceof InputType.InputTypeRecurrent r) {
            long steps = r.getTimeSeriesLength() > 0 ? r.getTimeSeriesLength() : -1;
            return conv1d ? Shape.ofLongs(-1, r.getSize(), steps) : Shape.ofLongs(-1, steps, r.getSize());
        }
        if (t instanceof InputType.InputTypeFeedForward f) {
            return Shape.ofLongs(-1, f.getSize());
        }
        if (t instanceof InputType.InputTypeConvolutionalFlat f) {
            return Shape.ofLongs(-1, f.getFlattenedSize());
        }
        if (t instanceof InputType.InputTypeConvolutional3D c) {
            return Shape.ofLongs(-1, c.getChannels(), c.getDepth(), c.getHeight(), c.getWidth());
        }
        return null;
    }

    /** The output shape from the layer configuration alone (its nOut), when the input type is unknown; null if it has none. */
    static Shape fromConfiguration(Layer conf) {
        Layer l = conf == null ? null : Dl4jLayerKinds.unwrapFrozen(conf);
        if (!(l instanceof FeedForwardLayer f) || f.getNOut() <= 0) {
            return null;
        }
        if (l instanceof ConvolutionLayer) {
            return Dl4jLayerKinds.isConv1d(l) ? Shape.ofLongs(-1, f.getNOut(), -1) : Shape.ofLongs(-1, f.getNOut(), -1, -1);
        }
        if (l instanceof BaseRecurrentLayer || l instanceof RnnOutputLayer) {
            return Shape.ofLongs(-1, -1, f.getNOut());
        }
        return Shape.ofLongs(-1, f.getNOut());
    }

    /** The output shape of a layer from its input's shape, or null when it does not follow. */
    static Shape ofLayer(Layer conf, Shape in) {
        Layer l = Dl4jLayerKinds.unwrapFrozen(conf);
        if (in == null || l == null) {
            return null;
        }
        if (l instanceof ActivationLayer || l instanceof DropoutLayer || l instanceof BatchNormalization
                || l instanceof LocalResponseNormalization) {
            return in;
        }
        if (in.rank() == 4 && Dl4jLayerKinds.imageFormat(l) != null) {
            return Shape.ofLongs(-1, in.dim(1), -1, -1); // pooling, padding, cropping, upsampling: channels stay
        }
        return null;
    }

    /** True for layers whose output has their input's channels (activations, padding, pooling, ...). */
    private static boolean keepsChannels(Layer conf) {
        Layer l = Dl4jLayerKinds.unwrapFrozen(conf);
        return !(l instanceof ConvolutionLayer) && ofLayer(l, Shape.of(-1, 1, -1, -1)) != null;
    }

    /**
     * The channel count of an image input from the layers it feeds in order: the first
     * convolution's nIn, reached through layers that keep channels; -1 if none says.
     */
    static long inputChannels(List<Layer> chain) {
        for (Layer conf : chain) {
            Layer l = Dl4jLayerKinds.unwrapFrozen(conf);
            if (l instanceof ConvolutionLayer c) {
                return c.getNIn() > 0 ? c.getNIn() : -1;
            }
            if (!keepsChannels(l)) {
                return -1;
            }
        }
        return -1;
    }

    /** The output shape of a vertex that is not a layer from its inputs' shapes, or null. */
    static Shape ofVertex(GraphVertex v, List<Shape> ins) {
        if (ins.isEmpty() || ins.contains(null)) {
            return null;
        }
        Shape first = ins.get(0);
        if (v instanceof ElementWiseVertex) {
            return first;
        }
        if (v instanceof MergeVertex && first.rank() >= 2) {
            // canonical layouts put the merged axis (channels, features) at 1 for images and vectors
            long channels = 0;
            for (Shape s : ins) {
                if (s.rank() != first.rank() || s.dim(1) < 0 || first.rank() == 3) {
                    return null;
                }
                channels += s.dim(1);
            }
            long[] dims = new long[first.rank()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = i == 1 ? channels : -1;
            }
            return Shape.ofLongs(dims);
        }
        return null;
    }
}
