package io.nnviz.backend.dl4j;

import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Networks configured with {@code InputType.convolutional}, which DL4J does not keep: every layer's
 * shape, seen before any training and from the saved zip, against the shapes of DL4J's own forward
 * pass, over a grid of kernels, strides, paddings, modes and image sizes.
 */
class Dl4jInputTypesTest {
    @TempDir
    Path dir;

    @Test
    void shapesOfAFreshOrSavedNetworkAreTheShapesOfItsForwardPass() throws Exception {
        int checked = 0;
        for (int side : new int[] {28, 32, 36}) {
            for (int kernel : new int[] {3, 5}) {
                for (int stride : new int[] {1, 2}) {
                    for (ConvolutionMode mode : new ConvolutionMode[] {ConvolutionMode.Truncate, ConvolutionMode.Same}) {
                        for (boolean norm : new boolean[] {false, true}) {
                            int pad = mode == ConvolutionMode.Truncate && kernel == 5 ? 2 : 0;
                            // sizes that divide evenly: where a stride drops a remainder several inputs fit (see Dl4jInputTypes)
                            if (mode == ConvolutionMode.Truncate && ((side + 2 * pad - kernel) % stride != 0
                                    || ((side + 2 * pad - kernel) / stride + 1) % 2 != 0)) {
                                continue;
                            }
                            MultiLayerNetwork net = net(side, kernel, stride, pad, mode, norm);
                            String what = side + "px k" + kernel + " s" + stride + " p" + pad + " " + mode + (norm ? " +bn" : "");
                            compare(net, side, what);
                            Path zip = dir.resolve("n" + checked + ".zip");
                            ModelSerializer.writeModel(net, zip.toFile(), false);
                            try (ModelView saved = NNViz.load(zip)) {
                                assertEquals(shapes(NNViz.inspect(net)), shapes(saved), what + ": the saved zip");
                            }
                            checked++;
                        }
                    }
                }
            }
        }
        assertTrue(checked >= 20, "the grid ran: " + checked);
    }

    private static void compare(MultiLayerNetwork net, int side, String what) {
        List<Shape> described = shapes(NNViz.inspect(net));
        List<INDArray> forward = net.feedForward(Nd4j.zeros(2, 1, side, side), false);
        assertEquals(forward.size(), described.size(), what);
        for (int i = 0; i < forward.size(); i++) {
            long[] s = forward.get(i).shape();
            Shape d = described.get(i);
            assertEquals(Shape.UNKNOWN, d.dim(0), what + " layer " + i + ": the batch is unknown");
            assertEquals(Shape.ofLongs(s).dropFirst(), d.dropFirst(), what + " layer " + i);
        }
    }

    private static List<Shape> shapes(ModelView m) {
        try (m) {
            return m.layers().stream().map(LayerInfo::outputShape).toList();
        }
    }

    private static MultiLayerNetwork net(int side, int kernel, int stride, int pad, ConvolutionMode mode, boolean norm) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(1).convolutionMode(mode).list()
                .layer(new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).padding(pad, pad).nOut(4).build());
        if (norm) {
            b.layer(new BatchNormalization.Builder().build());
        }
        b.layer(new SubsamplingLayer.Builder().kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(8).build())
                .layer(new OutputLayer.Builder().nOut(3).build())
                .setInputType(InputType.convolutional(side, side, 1));
        MultiLayerNetwork net = new MultiLayerNetwork(b.build());
        net.init();
        return net;
    }
}
