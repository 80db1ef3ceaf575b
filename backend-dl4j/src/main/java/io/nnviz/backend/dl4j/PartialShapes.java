package io.nnviz.backend.dl4j;

import io.nnviz.api.Shape;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;

import java.util.List;

/**
 * Output shapes (canonical layout) where DL4J cannot give them because the input type is unknown,
 * as in a saved zip, which keeps none: what follows from the inputs' partial shapes. Layers that
 * keep the shape keep it, image layers that resize keep the channels, merges add the channels.
 */
final class PartialShapes {
    private PartialShapes() {
    }

    /** The output shape of a layer from its input's shape, or null when it does not follow. */
    static Shape ofLayer(Layer conf, Shape in) {
        Layer l = LayerMapping.unwrapFrozen(conf);
        if (in == null || l == null) {
            return null;
        }
        if (l instanceof ActivationLayer || l instanceof DropoutLayer || l instanceof BatchNormalization
                || l instanceof LocalResponseNormalization) {
            return in;
        }
        if (in.rank() == 4 && LayerMapping.imageFormat(l) != null) {
            return Shape.ofLongs(-1, in.dim(1), -1, -1); // pooling, padding, cropping, upsampling: channels stay
        }
        return null;
    }

    /** True for layers whose output has their input's channels (activations, padding, pooling, ...). */
    static boolean keepsChannels(Layer conf) {
        Layer l = LayerMapping.unwrapFrozen(conf);
        return !(l instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer) && ofLayer(l, Shape.of(-1, 1, -1, -1)) != null;
    }

    /**
     * The channel count of an image input from the layers it feeds in order: the first
     * convolution's nIn, reached through layers that keep channels; -1 if none says.
     */
    static long inputChannels(List<Layer> chain) {
        for (Layer conf : chain) {
            Layer l = LayerMapping.unwrapFrozen(conf);
            if (l instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer c) {
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
