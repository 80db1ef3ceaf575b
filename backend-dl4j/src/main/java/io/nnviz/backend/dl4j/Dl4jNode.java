package io.nnviz.backend.dl4j;

import io.nnviz.api.Shape;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.ArrayList;
import java.util.List;

/**
 * One layer or vertex of a described network ({@link Dl4jDescriber}): its nnviz id, its DL4J key,
 * configuration and live layer, the layouts its arrays are in, its canonical output shape, and
 * how its parameters map to canonical weights.
 */
final class Dl4jNode {
    final String id;
    /** A multi-layer network's layer index or {@code "input"}; a graph's vertex name. */
    final String key;
    /** Null for inputs and vertices that are not layers. */
    final Layer conf;
    /** The live layer; null for inputs and vertices that are not layers. */
    final org.deeplearning4j.nn.api.Layer layer;
    final boolean nwc, conv1d, flatImage;
    /** Images in this node are NHWC; set after construction for an input whose type is unknown ({@link #guessInput}). */
    boolean nhwc;
    /** Canonical; where the input type is unknown, {@link #guessInput} and {@link Dl4jShapes} complete it after construction. */
    Shape outputShape;
    /** DL4J's keys of the node's parameters, kernels first, each with its mapping at the same index in {@link #mappings}. */
    final List<String> paramKeys = new ArrayList<>();
    final List<Dl4jWeightRoles.ParamMapping> mappings = new ArrayList<>();

    Dl4jNode(String id, String key, Layer conf, org.deeplearning4j.nn.api.Layer layer, InputType type, boolean flatImage) {
        this.id = id;
        this.key = key;
        this.conf = conf;
        this.layer = layer;
        this.conv1d = conf != null && Dl4jLayerKinds.isConv1d(conf);
        this.flatImage = flatImage;
        boolean h = false, w = false;
        if (type instanceof InputType.InputTypeConvolutional c) {
            h = c.getFormat() == CNN2DFormat.NHWC;
        } else if (type instanceof InputType.InputTypeRecurrent r) {
            w = r.getFormat() == RNNFormat.NWC;
        } else if (Dl4jLayerKinds.imageFormat(conf) != null) {
            h = Dl4jLayerKinds.imageFormat(conf) == CNN2DFormat.NHWC;
        } else if (conf instanceof BaseRecurrentLayer r) {
            w = r.getRnnDataFormat() == RNNFormat.NWC;
        }
        this.nhwc = h;
        this.nwc = w;
        this.outputShape = type != null ? Dl4jShapes.of(type, conv1d) : Dl4jShapes.fromConfiguration(conf);
    }

    private Dl4jNode(Dl4jNode n, org.deeplearning4j.nn.api.Layer other) {
        this.id = n.id;
        this.key = n.key;
        this.conf = n.conf;
        this.layer = other;
        this.nwc = n.nwc;
        this.conv1d = n.conv1d;
        this.flatImage = n.flatImage;
        this.nhwc = n.nhwc;
        this.outputShape = n.outputShape;
        this.paramKeys.addAll(n.paramKeys);
        this.mappings.addAll(n.mappings);
    }

    /**
     * For an input whose type is unknown (DL4J zips do not keep it): the layout the first layer
     * it feeds works in and the channel count of the first convolution after it (the layers it
     * feeds, in order), image size unknown.
     */
    void guessInput(List<Layer> chain) {
        CNN2DFormat f = chain.isEmpty() ? null : Dl4jLayerKinds.imageFormat(chain.get(0));
        if (f == null) {
            return;
        }
        nhwc = f == CNN2DFormat.NHWC;
        outputShape = Shape.ofLongs(-1, Dl4jShapes.inputChannels(chain), -1, -1);
    }

    /** This node bound to the same layer of another network (a clone of this one's). */
    Dl4jNode boundTo(org.deeplearning4j.nn.api.Layer other) {
        return new Dl4jNode(this, other);
    }
}
