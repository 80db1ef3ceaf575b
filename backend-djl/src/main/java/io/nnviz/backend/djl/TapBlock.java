package io.nnviz.backend.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.Map;

/**
 * Wraps a block so that nnviz hooks can see its activations during the real training forward pass,
 * on the steps that ask for them, instead of running a second forward:
 *
 * <pre>{@code
 * model.setBlock(TapBlock.wrap(myBlock));   // then attach hooks to the training config as usual
 * }</pre>
 * Unarmed (most steps) the forward is the wrapped block's own, at the cost of a field read.
 * Armed, it walks the block tree itself (sequential blocks child by child) and records every
 * leaf's output. The wrapped block's parameters are this block's child's, so saved parameter
 * files get an {@code inner} prefix.
 */
public final class TapBlock extends AbstractBlock {
    private final Block inner;
    private volatile Map<String, NDArray> armed;
    /** Set once every parameter is initialized; {@link #clear()} resets it. */
    private volatile boolean initialized;

    private TapBlock(Block inner) {
        this.inner = addChildBlock("inner", inner);
    }

    /** Wraps {@code block}. */
    public static TapBlock wrap(Block block) {
        return new TapBlock(block);
    }

    /** The wrapped block. */
    public Block inner() {
        return inner;
    }

    /** Records the leaves' outputs of the next forward passes into {@code taps} until disarmed. */
    void arm(Map<String, NDArray> taps) {
        armed = taps;
    }

    void disarm() {
        armed = null;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        Map<String, NDArray> taps = armed;
        if (taps == null) {
            return inner.forward(ps, inputs, training, params);
        }
        return DjlForward.run(inner, "", inputs, ps, taps, training, null);
    }

    /**
     * DJL asks this on every training forward, and its own answer names and walks every parameter
     * of the model (the wrapped block then asks the same of itself): 80 to 220 us a step for 53
     * conv-norm-ReLU blocks (318 parameters). Once true it is remembered, so the wrapper adds no
     * walk of its own to a step.
     */
    @Override
    public boolean isInitialized() {
        if (!initialized) {
            initialized = super.isInitialized();
        }
        return initialized;
    }

    @Override
    public void clear() {
        initialized = false;
        super.clear();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inner.getOutputShapes(inputShapes);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        inner.initialize(manager, dataType, inputShapes);
    }
}
