package io.nnviz.analysis;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.Tensor;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

import java.util.Objects;

/**
 * Principal component analysis of a layer's activations over a data set, the embedding projector's
 * exact projection: the rows {@code [N, D]} (one sample each; images' maps are flattened) centred,
 * and their singular value decomposition by EJML; the principal axes are the right singular vectors,
 * the variance each explains the squared singular value over {@code N - 1}. Each axis's sign is fixed
 * (its largest entry positive), so the same data gives the same picture.
 *
 * <pre>{@code
 * Pca p = Pca.fit(activations, 2);            // [N, D] or [N, C, H, W]
 * Tensor xy = p.projected();                   // [N, 2]
 * double[] explained = p.explainedVarianceRatio();
 * }</pre>
 *
 * @param mean         the column means, {@code [D]}
 * @param components   the principal axes as rows, {@code [k, D]}
 * @param variance     the variance along each axis (the covariance's eigenvalues), largest first
 * @param totalVariance the variance of the data summed over all D columns
 * @param projected    the samples in the axes' coordinates, {@code [N, k]}
 */
public record Pca(Tensor mean, Tensor components, double[] variance, double totalVariance, Tensor projected) {
    /** The most values PCA takes (N x D), so a whole data set's activations cannot exhaust the heap: 50 M doubles, 400 MB. */
    public static final long MAX_VALUES = 50_000_000L;

    /** Validates and copies. */
    public Pca {
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(components, "components");
        Objects.requireNonNull(projected, "projected");
        variance = variance.clone();
    }

    @Override
    public double[] variance() {
        return variance.clone();
    }

    /** The share of the total variance each axis explains. */
    public double[] explainedVarianceRatio() {
        double[] r = new double[variance.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = totalVariance == 0 ? 0 : variance[i] / totalVariance;
        }
        return r;
    }

    /** The first {@code k} principal components of {@code data}'s rows (dimension 0 indexes the samples). */
    public static Pca fit(Tensor data, int k) {
        Objects.requireNonNull(data, "data");
        if (data.rank() < 2) {
            throw new InvalidInputException("PCA takes samples [N, ...], got " + data.shape());
        }
        int n = data.shape().dim(0), d = data.size() / Math.max(1, n);
        if (n < 2 || d < 1) {
            throw new InvalidInputException("PCA needs at least 2 samples of at least 1 value, got " + data.shape());
        }
        if ((long) n * d > MAX_VALUES) {
            throw new InvalidInputException("PCA of " + n + " x " + d + " values; at most " + MAX_VALUES + " (sample fewer rows)");
        }
        if (k < 1 || k > Math.min(n, d)) {
            throw new InvalidInputException("PCA components " + k + ": between 1 and min(N, D) = " + Math.min(n, d));
        }
        DMatrixRMaj x = new DMatrixRMaj(n, d);
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                float v = data.getFlat(i * d + j);
                if (!Float.isFinite(v)) {
                    throw new InvalidInputException("PCA of non-finite values: sample " + i + " holds " + v);
                }
                x.unsafe_set(i, j, v);
                mean[j] += v / n;
            }
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double c = x.unsafe_get(i, j) - mean[j];
                x.unsafe_set(i, j, c);
                total += c * c;
            }
        }
        total /= n - 1;
        // compact SVD of the centred data: X = U S V^T; V's columns are the axes, S^2 / (n - 1) their variances
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(n, d, false, true, true);
        if (!svd.decompose(x.copy())) {
            throw new InvalidInputException("PCA: the singular value decomposition did not converge for " + n + " x " + d);
        }
        DMatrixRMaj vt = svd.getV(null, true);
        DMatrixRMaj s = svd.getW(null);
        SingularOps_DDRM.descendingOrder(null, false, s, vt, true);
        float[] comps = new float[k * d];
        double[] variance = new double[k];
        for (int c = 0; c < k; c++) {
            int big = 0;
            for (int j = 1; j < d; j++) {
                if (Math.abs(vt.get(c, j)) > Math.abs(vt.get(c, big))) {
                    big = j;
                }
            }
            double sign = vt.get(c, big) < 0 ? -1 : 1;
            for (int j = 0; j < d; j++) {
                comps[c * d + j] = (float) (sign * vt.get(c, j));
            }
            double sv = s.get(c, c);
            variance[c] = sv * sv / (n - 1);
        }
        DMatrixRMaj axes = new DMatrixRMaj(k, d);
        for (int i = 0; i < comps.length; i++) {
            axes.data[i] = comps[i];
        }
        DMatrixRMaj proj = new DMatrixRMaj(n, k);
        CommonOps_DDRM.multTransB(x, axes, proj);
        float[] p = new float[n * k], m = new float[d];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) proj.data[i];
        }
        for (int j = 0; j < d; j++) {
            m[j] = (float) mean[j];
        }
        return new Pca(Tensor.adopt(m, d), Tensor.adopt(comps, k, d), variance, total, Tensor.adopt(p, n, k));
    }
}
