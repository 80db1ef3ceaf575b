package io.nnviz.backend.dl4j;

import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.GravesLSTM;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.conf.layers.util.MaskZeroLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every common DL4J layer type maps to a kind ({@link Dl4jLayerKinds}) and canonical weights
 * ({@link Dl4jWeightRoles}); anything else to OTHER.
 */
@Tag("natives")
class Dl4jLayerKindsTest {

    private static ModelView open(MultiLayerNetwork net) {
        return NNViz.inspect(net);
    }

    private static void assertParamsAddUp(ModelView m, MultiLayerNetwork net) {
        long sum = 0;
        for (LayerInfo l : m.layers()) {
            for (WeightSpec w : l.weights()) {
                sum += w.size();
            }
        }
        assertEquals(net.numParams(), sum);
    }

    @Test
    void convolutionalLayerTypes() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new ConvolutionLayer.Builder(5, 5).name("conv").nOut(6).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool").kernelSize(2, 2).stride(2, 2).build())
                .layer(new DepthwiseConvolution2D.Builder(3, 3).name("depthwise").depthMultiplier(2).build())
                .layer(new SeparableConvolution2D.Builder(3, 3).name("separable").nOut(8).build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new Upsampling2D.Builder(2).name("up").build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("gap").build())
                .layer(new DropoutLayer.Builder(0.5).name("drop").build())
                .layer(new DenseLayer.Builder().name("dense").nOut(10).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build());
        net.init();
        ModelView m = open(net);
        assertEquals(List.of(LayerKind.INPUT, LayerKind.CONV, LayerKind.POOL, LayerKind.CONV, LayerKind.CONV, LayerKind.NORM,
                LayerKind.RESHAPE, LayerKind.POOL, LayerKind.DROPOUT, LayerKind.DENSE, LayerKind.OUTPUT),
                m.layers().stream().map(LayerInfo::kind).toList());
        LayerInfo dw = m.layer("depthwise").orElseThrow();
        assertEquals(Shape.of(-1, 12, 10, 10), dw.outputShape());
        assertEquals(Shape.of(12, 1, 3, 3), dw.weights().get(0).shape(), "depthwise as [C * M, 1, kH, kW]");
        // canonical channel c * M + m holds DL4J's W[kh, kw, c, m]
        var w = net.getLayer(2).getParam("W");
        var t = m.weights("depthwise").get(0).values();
        assertEquals(w.getDouble(1, 2, 4, 1), t.get(4 * 2 + 1, 0, 1, 2), 0);
        LayerInfo sep = m.layer("separable").orElseThrow();
        assertEquals(WeightRole.KERNEL, sep.weights().get(0).role());
        assertEquals(Shape.of(8, 12, 1, 1), sep.weights().get(0).shape(), "pointwise OIHW");
        assertTrue(m.layer("bn").orElseThrow().weights().stream().anyMatch(s -> s.role() == WeightRole.GAMMA));
        assertParamsAddUp(m, net);
    }

    @Test
    void recurrentAttentionAndOtherLayerTypes() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new EmbeddingSequenceLayer.Builder().name("embed").nIn(50).nOut(5).build())
                .layer(new LSTM.Builder().name("lstm").nIn(5).nOut(7).build())
                .layer(new GravesLSTM.Builder().name("graves").nOut(6).build())
                .layer(new Bidirectional(Bidirectional.Mode.CONCAT, new LSTM.Builder().name("bi").nOut(4).build()))
                .layer(new SimpleRnn.Builder().name("simple").nOut(5).build())
                .layer(new SelfAttentionLayer.Builder().name("attention").nOut(8).nHeads(2).projectInput(true).build())
                .layer(new Convolution1DLayer.Builder(3).name("conv1d").nOut(4).build())
                .layer(new MaskZeroLayer.Builder().setUnderlying(new SimpleRnn.Builder().nIn(4).nOut(4).build()).setMaskValue(0).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(1, 12)).build());
        net.init();
        ModelView m = open(net);
        assertEquals(List.of(LayerKind.INPUT, LayerKind.EMBEDDING, LayerKind.RECURRENT, LayerKind.RECURRENT, LayerKind.RECURRENT,
                LayerKind.RECURRENT, LayerKind.ATTENTION, LayerKind.CONV, LayerKind.OTHER, LayerKind.OUTPUT),
                m.layers().stream().map(LayerInfo::kind).toList());
        LayerInfo other = m.layers().get(8);
        assertEquals("MaskZeroLayer", other.frameworkType());
        LayerInfo bi = m.layers().get(4);
        assertEquals("Bidirectional", bi.frameworkType());
        assertEquals(List.of("forward input kernel", "backward input kernel", "forward recurrent kernel", "backward recurrent kernel",
                "forward bias", "backward bias"), bi.weights().stream().map(WeightSpec::name).toList());
        assertEquals(Shape.of(16, 6), bi.weights().get(0).shape(), "[4 gates x 4 units, in]");
        LayerInfo graves = m.layer("graves").orElseThrow();
        assertEquals(Shape.of(27, 6), graves.weights().get(1).shape(), "recurrent kernel with 3 peephole rows");
        LayerInfo conv1d = m.layer("conv1d").orElseThrow();
        assertEquals(Shape.of(4, 8, 3), conv1d.weights().get(0).shape(), "OIW");
        assertEquals(Shape.of(-1, 4, -1), conv1d.outputShape(), "1-D conv activations stay NCW");
        assertEquals(Shape.of(-1, -1, 8), m.layer("attention").orElseThrow().outputShape(), "sequences [N, T, C]");
        assertParamsAddUp(m, net);
    }

    @Test
    void hostileLayerNamesStayIntactAsIdsAndNames() {
        String script = "<script>alert('x')</script>", amp = "a\"b'&c", control = "tab\there\u0001bell\u0007", longName = "n".repeat(10_000);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().name(script).nIn(4).nOut(3).build())
                .layer(new DenseLayer.Builder().name(amp).nOut(3).build())
                .layer(new DenseLayer.Builder().name(control).nOut(3).build())
                .layer(new DenseLayer.Builder().name(script).nOut(3).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name(longName).nOut(1).activation(Activation.IDENTITY).build())
                .build());
        net.init();
        ModelView m = open(net);
        assertEquals(List.of("input", script, amp, control, script + "#2", longName), m.layers().stream().map(LayerInfo::id).toList());
        assertEquals(script, m.layer(script + "#2").orElseThrow().name(), "duplicate names get unique ids, names stay");
        assertEquals(Shape.of(-1, 4), m.layers().get(0).outputShape(), "input type from the first layer's nIn");
        assertEquals(3, m.weights(control).get(0).values().shape().dim(0));
    }
}
