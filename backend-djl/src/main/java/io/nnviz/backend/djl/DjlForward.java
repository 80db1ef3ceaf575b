package io.nnviz.backend.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import java.util.Map;

/**
 * A forward pass through a DJL block tree that keeps every leaf's (and every parallel join's)
 * output under its {@link DjlDescriber} layer id: sequential blocks are run child by child, so
 * that the activations of the leaves inside them can be read (a {@link TapBlock} is run through).
 * For Grad-CAM the pass can be cut after one leaf.
 */
final class DjlForward {
    private DjlForward() {
    }

    /**
     * Runs the tree {@code b} at {@code path} ({@code ""} for the root) on {@code x}, putting each
     * leaf's output into {@code taps} by layer id. When leaf {@code cut} (may be null) has produced
     * its output, the rest of the pass continues from a detached copy of it that records gradients,
     * kept in taps under {@code cut + "\n"}.
     */
    static NDList run(Block b, String path, NDList x, ParameterStore ps, Map<String, NDArray> taps, boolean training, String cut) {
        if (b instanceof TapBlock t) {
            return run(t.inner(), path, x, ps, taps, training, cut);
        }
        if (b instanceof SequentialBlock seq) {
            for (Pair<String, Block> child : seq.getChildren()) {
                x = run(child.getValue(), DjlDescriber.join(path, DjlDescriber.segment(child.getKey(), child.getValue())), x, ps, taps,
                        training, cut);
            }
            return x;
        }
        if (b instanceof ParallelBlock par) {
            for (Pair<String, Block> child : par.getChildren()) {
                run(child.getValue(), DjlDescriber.join(path, DjlDescriber.segment(child.getKey(), child.getValue())), x, ps, taps,
                        training, null);
            }
            NDList out = par.forward(ps, x, training);
            taps.put(DjlDescriber.join(path, "join"), out.singletonOrThrow());
            return out;
        }
        NDList out = b.forward(ps, x, training);
        String id = path.isEmpty() ? b.getClass().getSimpleName() : path;
        taps.put(id, out.get(0));
        if (id.equals(cut)) {
            NDArray leaf = out.get(0).stopGradient();
            leaf.setRequiresGradient(true);
            taps.put(cut + "\n", leaf);
            return new NDList(leaf);
        }
        return out;
    }
}
