package io.nnviz.analysis;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.Tensor;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PCA by EJML's SVD against a direct eigen-decomposition of the covariance by another library (Apache Commons Math). */
class PcaTest {
    /** Correlated data: 300 samples of 6 values mixed from 3 sources of different scales, plus noise. */
    private static float[][] data(long seed) {
        Random r = new Random(seed);
        double[][] mix = new double[3][6];
        for (double[] row : mix) {
            for (int j = 0; j < 6; j++) {
                row[j] = r.nextGaussian();
            }
        }
        float[][] x = new float[300][6];
        for (int i = 0; i < 300; i++) {
            double[] src = {3 * r.nextGaussian(), 1.5 * r.nextGaussian(), 0.5 * r.nextGaussian()};
            for (int j = 0; j < 6; j++) {
                double v = 2 + 0.05 * r.nextGaussian();
                for (int s = 0; s < 3; s++) {
                    v += src[s] * mix[s][j];
                }
                x[i][j] = (float) v;
            }
        }
        return x;
    }

    @Test
    void axesAndVariancesAreTheCovariancesEigenvectorsAndEigenvalues() {
        float[][] x = data(1);
        int n = x.length, d = x[0].length;
        float[] flat = new float[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(x[i], 0, flat, i * d, d);
        }
        Pca p = Pca.fit(Tensor.of(flat, n, d), 3);
        // the covariance, directly, and its eigen-decomposition by Commons Math
        double[] mean = new double[d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / (double) n;
            }
        }
        double[][] cov = new double[d][d];
        for (float[] row : x) {
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    cov[a][b] += (row[a] - mean[a]) * (row[b] - mean[b]) / (n - 1);
                }
            }
        }
        EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(cov));
        double[] values = eig.getRealEigenvalues().clone();
        Integer[] order = {0, 1, 2, 3, 4, 5};
        java.util.Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        double trace = 0;
        for (int a = 0; a < d; a++) {
            trace += cov[a][a];
        }
        assertEquals(trace, p.totalVariance(), 1e-6 * trace);
        for (int c = 0; c < 3; c++) {
            assertEquals(values[order[c]], p.variance()[c], 1e-6 * values[order[0]], "variance " + c);
            RealVector v = eig.getEigenvector(order[c]);
            double dot = 0;
            for (int j = 0; j < d; j++) {
                dot += v.getEntry(j) * p.components().get(c, j);
            }
            assertEquals(1, Math.abs(dot), 1e-5, "axis " + c + " is the eigenvector, up to sign");
            assertEquals(mean[c], p.mean().getFlat(c), 1e-5);
        }
        double[] ratio = p.explainedVarianceRatio();
        assertTrue(ratio[0] > ratio[1] && ratio[1] > ratio[2] && ratio[0] + ratio[1] + ratio[2] > 0.99, java.util.Arrays.toString(ratio));
        // projections: (x - mean) . axis
        for (int i = 0; i < n; i += 37) {
            double want = 0;
            for (int j = 0; j < d; j++) {
                want += (x[i][j] - mean[j]) * p.components().get(1, j);
            }
            assertEquals(want, p.projected().get(i, 1), 1e-4);
        }
    }

    @Test
    void imageMapsAreFlattenedAndSignsAreFixedAndBadInputsAreClearErrors() {
        float[] maps = new float[20 * 2 * 3 * 3];
        Random r = new Random(4);
        for (int i = 0; i < maps.length; i++) {
            maps[i] = (float) r.nextGaussian();
        }
        Pca a = Pca.fit(Tensor.of(maps, 20, 2, 3, 3), 2), b = Pca.fit(Tensor.of(maps, 20, 2, 3, 3), 2);
        assertEquals(18, a.components().shape().dim(1));
        assertEquals(a.components(), b.components(), "the same data gives the same axes, signs included");
        assertThrows(InvalidInputException.class, () -> Pca.fit(Tensor.of(new float[6], 1, 6), 1));
        assertThrows(InvalidInputException.class, () -> Pca.fit(Tensor.of(new float[12], 2, 6), 3));
        assertThrows(InvalidInputException.class, () -> Pca.fit(Tensor.of(new float[] {1, Float.NaN, 3, 4}, 2, 2), 1));
    }
}
