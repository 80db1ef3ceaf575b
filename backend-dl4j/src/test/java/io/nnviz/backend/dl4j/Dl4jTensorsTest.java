package io.nnviz.backend.dl4j;

import io.nnviz.api.Tensor;
import org.deeplearning4j.nn.api.Model;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Copies out of ND4J, checked against ND4J's own row-major copy ({@code dup('c')}): the
 * parameters and gradients of every test network (views into one flat buffer, column-major for
 * dense layers), and arrays of each order and rank, whole, as views and as strided views.
 */
class Dl4jTensorsTest {
    @Test
    void everyParameterAndGradientOfEveryNetworkIsCopiedAsNd4jReadsIt() throws Exception {
        // each network trained a step on its own kind of data, so that it holds gradients
        Map<Model, org.nd4j.linalg.dataset.DataSet> nets = new java.util.LinkedHashMap<>();
        nets.put(Nets.lenet(), Nets.flatBatch(0));
        nets.put(Nets.gapCnn(), Nets.flatBatch(0));
        nets.put(Nets.mlpClassifier(), Nets.flatBatch(0));
        nets.put(Nets.mlpRegressor(), Nets.halvesBatch(0));
        nets.put(Nets.lstm(), Nets.rowSequenceBatch(0));
        int columnMajor = 0;
        for (Map.Entry<Model, org.nd4j.linalg.dataset.DataSet> n : nets.entrySet()) {
            Model net = n.getKey();
            ((org.deeplearning4j.nn.multilayer.MultiLayerNetwork) net).fit(n.getValue());
            for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
                same(e.getValue(), net.getClass().getSimpleName() + " " + e.getKey());
                columnMajor += e.getValue().ordering() == 'f' && e.getValue().rank() >= 2 ? 1 : 0;
            }
            if (net.gradient() != null) {
                for (Map.Entry<String, INDArray> e : net.gradient().gradientForVariable().entrySet()) {
                    same(e.getValue(), "gradient " + e.getKey());
                }
            }
        }
        assertTrue(columnMajor > 0, "some parameters are column-major views, the case this is about");
    }

    @Test
    void arraysOfEveryOrderAndRankWholeAsViewsAndStrided() {
        int[][] shapes = {{7}, {3, 5}, {2, 3, 4}, {2, 3, 4, 5}};
        for (int[] s : shapes) {
            long[] shape = java.util.Arrays.stream(s).asLongStream().toArray();
            for (char order : new char[] {'c', 'f'}) {
                INDArray whole = Nd4j.rand(DataType.FLOAT, order, shape);
                same(whole, order + " " + whole.shapeInfoToString());
                // a view at an offset into a larger flat buffer, as parameters are
                INDArray flat = Nd4j.rand(DataType.FLOAT, 1, whole.length() + 11);
                INDArray view = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(11, 11 + whole.length())).reshape(order, shape);
                same(view, "view " + order + " " + view.shapeInfoToString());
                if (s.length >= 2) {
                    same(whole.get(NDArrayIndex.interval(0, 1, true), NDArrayIndex.all()), "strided " + order);
                    same(whole.permute(java.util.stream.IntStream.range(0, s.length).map(i -> s.length - 1 - i).toArray()), "permuted " + order);
                }
            }
        }
        INDArray doubles = Nd4j.rand(DataType.DOUBLE, 'f', 3, 4);
        same(doubles, "double");
    }

    private static void same(INDArray a, String what) {
        Tensor t = Dl4jTensors.copy(a);
        INDArray c = a.castTo(DataType.FLOAT).dup('c');
        List<Integer> shape = new ArrayList<>();
        for (long d : c.shape()) {
            shape.add((int) d);
        }
        assertEquals(shape, java.util.Arrays.stream(t.shape().toArray()).boxed().toList(), what);
        assertArrayEquals(c.data().asFloat(), t.toArray(), what);
    }
}
