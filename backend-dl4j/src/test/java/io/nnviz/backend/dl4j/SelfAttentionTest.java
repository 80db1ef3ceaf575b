package io.nnviz.backend.dl4j;

import io.nnviz.NNViz;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.attention.Attention;
import io.nnviz.api.attention.AttentionMaps;
import io.nnviz.renderers.figures.AttentionFigures;
import io.nnviz.testkit.FashionMnist;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention from DL4J's own self-attention layer, trained here on Fashion-MNIST images read as
 * sequences of 28 pixel rows: the probabilities nnviz reads are checked against softmax(Q K^T /
 * sqrt(8)) computed in the test from the layer's parameters and its input, and against the layer
 * itself: recombining the values with them and projecting gives DL4J's own output of the layer.
 */
@Tag("natives")
class SelfAttentionTest {
    private static final int T = 28, HEADS = 4, HS = 8, D = 32;

    @Test
    void theSelfAttentionLayersProbabilitiesAreTheOnesItComputesWith() throws Exception {
        MultiLayerNetwork net = Nets.selfAttention();
        for (int i = 0; i < 150; i++) {
            net.fit(Nets.rowSequenceBatch(i));
        }
        float[] image = FashionMnist.test(1).image(0);
        Tensor x = Tensor.of(image, 1, T, T); // canonical sequences [N, T, features]: the image's rows
        List<String> tokens = new ArrayList<>();
        for (int t = 0; t < T; t++) {
            tokens.add("row " + t);
        }
        try (ModelView m = NNViz.inspect(net)) {
            Attention a = AttentionMaps.of(m, Map.of("input", x), tokens);
            assertEquals(List.of("attention"), a.layerIds());
            assertEquals(io.nnviz.api.Shape.of(1, HEADS, T, T), a.weights().shape());
            // the layer's input, from DL4J: the LSTM's output [1, 32, 28]
            INDArray in = net.feedForward(Nd4j.create(image, new long[] {1, T, T}, 'c').permute(0, 2, 1).dup('c'), false).get(1);
            Map<String, INDArray> p = net.getLayer(1).paramTable();
            INDArray wq = p.get("Wq"), wk = p.get("Wk"), wv = p.get("Wv"), wo = p.get("Wo");
            double worst = 0;
            float[][][] attn = new float[HEADS][T][T];
            double[][][] v = new double[HEADS][HS][T];
            for (int h = 0; h < HEADS; h++) {
                double[][] q = project(wq, h, in), k = project(wk, h, in);
                v[h] = project(wv, h, in);
                for (int i = 0; i < T; i++) {
                    double[] s = new double[T];
                    double max = Double.NEGATIVE_INFINITY, sum = 0, rowSum = 0;
                    for (int j = 0; j < T; j++) {
                        for (int d = 0; d < HS; d++) {
                            s[j] += q[d][i] * k[d][j];
                        }
                        s[j] /= Math.sqrt(HS);
                        max = Math.max(max, s[j]);
                    }
                    for (int j = 0; j < T; j++) {
                        sum += Math.exp(s[j] - max);
                    }
                    for (int j = 0; j < T; j++) {
                        attn[h][i][j] = a.head(0, h).get(i, j);
                        worst = Math.max(worst, Math.abs(Math.exp(s[j] - max) / sum - attn[h][i][j]));
                        rowSum += attn[h][i][j];
                    }
                    assertEquals(1, rowSum, 1e-5, "head " + h + ", query " + i + " sums to 1");
                }
            }
            assertTrue(worst < 1e-5, "softmax(QK^T / sqrt(8)) from the layer's parameters: worst difference " + worst);
            // DL4J's own output of the layer, [1, 32, 28], from the probabilities: Wo^T concat_h(V_h A_h^T)
            INDArray own = net.feedForward(Nd4j.create(image, new long[] {1, T, T}, 'c').permute(0, 2, 1).dup('c'), false).get(2);
            double out = 0;
            for (int o = 0; o < D; o++) {
                for (int t = 0; t < T; t++) {
                    double y = 0;
                    for (int h = 0; h < HEADS; h++) {
                        for (int d = 0; d < HS; d++) {
                            double ctx = 0;
                            for (int j = 0; j < T; j++) {
                                ctx += attn[h][t][j] * v[h][d][j];
                            }
                            y += wo.getDouble(h * HS + d, o) * ctx;
                        }
                    }
                    out = Math.max(out, Math.abs(y - own.getDouble(0, o, t)));
                }
            }
            assertTrue(out < 1e-4, "the layer's output recombined from the probabilities: worst difference " + out);
            Path dir = Path.of("target", "attention");
            Files.createDirectories(dir);
            io.nnviz.renderers.Figures.writePng(AttentionFigures.headView(a, 0), dir.resolve("dl4j-fashion-rows-head-view.png"), 1);
            io.nnviz.renderers.Figures.writePng(AttentionFigures.head(a, 0, 0), dir.resolve("dl4j-fashion-rows-head-0.png"), 1);
            System.out.printf("DL4J self-attention on Fashion-MNIST rows: %d heads x %d x %d, softmax check %.1e, output check %.1e%n",
                    HEADS, T, T, worst, out);
        }
    }

    /** W[h] (heads x 8 x 32) times the layer input [1, 32, 28]: [8][28]. */
    private static double[][] project(INDArray w, int h, INDArray in) {
        double[][] r = new double[HS][T];
        for (int d = 0; d < HS; d++) {
            for (int t = 0; t < T; t++) {
                double s = 0;
                for (int c = 0; c < D; c++) {
                    s += w.getDouble(h, d, c) * in.getDouble(0, c, t);
                }
                r[d][t] = s;
            }
        }
        return r;
    }
}
