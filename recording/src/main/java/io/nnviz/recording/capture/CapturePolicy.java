package io.nnviz.recording.capture;

import io.nnviz.api.Tensor;
import io.nnviz.api.hook.LayerSelector;

import java.util.Objects;

/**
 * What a recorder captures and how often, as its builder fixed it: intervals in steps (each at
 * least 1), histogram bins, whether gradients, update ratios and the first capture's weights are
 * kept, the layers, and the share of training time the captures may take.
 *
 * @param histogramsEvery weight (and gradient) histograms and update ratios every this many steps
 * @param filtersEvery    a filter snapshot of the first convolution every this many steps
 * @param probesEvery     probe activations and embeddings every this many steps
 * @param bins            histogram bins
 * @param gradients       also gradient histograms, where the backend supplies gradients
 * @param updateRatios    update : parameter ratios with the histograms
 * @param layers          the layers recorded
 * @param probes          the fixed probe inputs, or null for none
 * @param budget          the share of training time the sampled captures may take (0: intervals as configured)
 * @param embeddings      the embedding projector's set, or null for none
 * @param initialWeights  keep the selected layers' weights of the first capture
 * @param diagnose        also capture what the doctor's rules read (gradient RMS, unit statistics, the
 *                        predicted-class share, the non-finite check; see {@code Vitals})
 */
public record CapturePolicy(int histogramsEvery, int filtersEvery, int probesEvery, int bins, boolean gradients,
                            boolean updateRatios, LayerSelector layers, Tensor probes, double budget, EmbeddingCapture embeddings,
                            boolean initialWeights, boolean diagnose) {
    /** Validates the intervals, bins and budget. */
    public CapturePolicy {
        if (histogramsEvery < 1 || filtersEvery < 1 || probesEvery < 1 || bins < 1) {
            throw new IllegalArgumentException("intervals and bins must be at least 1, got " + histogramsEvery + ", " + filtersEvery
                    + ", " + probesEvery + ", " + bins);
        }
        if (!(budget >= 0 && budget < 1)) {
            throw new IllegalArgumentException("budget must be in [0, 1), got " + budget);
        }
        Objects.requireNonNull(layers, "layers");
    }

    /**
     * The share of steps the configured intervals capture at (histograms, filters or probes, and
     * the doctor's outputs at the probes' interval if {@code outputs}), counted over steps 2 to 10,001.
     */
    double sampledShare(boolean outputs) {
        int sampled = 0;
        for (long g = 2; g <= 10_001; g++) {
            sampled += g % histogramsEvery == 0 || g % filtersEvery == 0 || (probes != null || outputs) && g % probesEvery == 0 ? 1 : 0;
        }
        return sampled / 10_000.0;
    }
}
