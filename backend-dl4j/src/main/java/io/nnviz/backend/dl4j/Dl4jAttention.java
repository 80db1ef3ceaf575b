package io.nnviz.backend.dl4j;

import io.nnviz.api.InvalidInputException;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.DotProductAttention;
import org.nd4j.linalg.api.ops.impl.transforms.custom.MultiHeadDotProductAttention;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The attention probabilities of DL4J's {@link SelfAttentionLayer}s: the layer computes them
 * inside one ND4J op and keeps only its output, so they are computed again by the same op
 * ({@code multi_head_dot_product_attention}, or {@code dot_product_attention} for a layer that
 * does not project its input) on the layer's own input and parameters, asked this time for its
 * weights. DL4J's weights are {@code [N, heads, keys, queries]} (softmax over the keys); they are
 * returned as nnviz's {@code [N, heads, queries, keys]}, rows summing to 1. Masks are not applied:
 * one unpadded sequence is what attention figures show.
 */
final class Dl4jAttention {
    private Dl4jAttention() {
    }

    /** The self-attention layers of a network, by node key (MLN layer index, CG vertex name). */
    static List<String> layers(MultiLayerNetwork mln, ComputationGraph cg) {
        List<String> keys = new ArrayList<>();
        if (mln != null) {
            for (int i = 0; i < mln.getnLayers(); i++) {
                if (mln.getLayerWiseConfigurations().getConf(i).getLayer() instanceof SelfAttentionLayer) {
                    keys.add(String.valueOf(i));
                }
            }
        } else {
            for (String name : cg.getConfiguration().getTopologicalOrderStr()) {
                GraphVertex v = cg.getConfiguration().getVertices().get(name);
                if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof SelfAttentionLayer) {
                    keys.add(name);
                }
            }
        }
        return keys;
    }

    /** Each self-attention layer's probabilities for {@code x} (the network's input), by node key. The caller locks the network. */
    static Map<String, INDArray> of(MultiLayerNetwork mln, ComputationGraph cg, INDArray x) {
        List<String> keys = layers(mln, cg);
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (keys.isEmpty()) {
            return out;
        }
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        int mb = (int) x.size(0);
        if (mln != null) {
            INDArray a = x;
            int last = Integer.parseInt(keys.get(keys.size() - 1));
            for (int i = 0; i <= last; i++) {
                InputPreProcessor pre = mln.getLayerWiseConfigurations().getInputPreProcess(i);
                if (pre != null) {
                    a = pre.preProcess(a, mb, mgr);
                }
                if (keys.contains(String.valueOf(i))) {
                    out.put(String.valueOf(i), weights((SelfAttentionLayer) mln.getLayerWiseConfigurations().getConf(i).getLayer(),
                            mln.getLayer(i).paramTable(), a));
                }
                a = mln.getLayer(i).activate(a, false, mgr);
            }
            mln.clear();
            return out;
        }
        Map<String, INDArray> acts = cg.feedForward(new INDArray[] {x}, false);
        for (String key : keys) {
            LayerVertex v = (LayerVertex) cg.getConfiguration().getVertices().get(key);
            List<String> from = cg.getConfiguration().getVertexInputs().get(key);
            INDArray a = acts.get(from.get(0));
            if (v.getPreProcessor() != null) {
                a = v.getPreProcessor().preProcess(a, mb, mgr);
            }
            out.put(key, weights((SelfAttentionLayer) v.getLayerConf().getLayer(), cg.getLayer(key).paramTable(), a));
        }
        cg.clear();
        return out;
    }

    /** The probabilities of one layer on its input {@code x} ([N, nIn, T], or [N, T, nIn] for NWC data), [N, heads, T, T]. */
    private static INDArray weights(SelfAttentionLayer conf, Map<String, INDArray> params, INDArray x) {
        if (x.rank() != 3) {
            throw new InvalidInputException("self-attention layer '" + conf.getLayerName() + "' got input of rank " + x.rank()
                    + "; it takes sequences [N, features, T]");
        }
        INDArray ncw = x.size(1) == conf.getNIn() ? x : x.permute(0, 2, 1).dup();
        INDArray w;
        if (params.containsKey("Wq")) {
            INDArray[] r = Nd4j.exec(new MultiHeadDotProductAttention(ncw, ncw, ncw, params.get("Wq"), params.get("Wk"), params.get("Wv"),
                    params.get("Wo"), null, true, true));
            w = r[1];
        } else { // no projection: one head over the input itself
            INDArray[] r = Nd4j.exec(new DotProductAttention(ncw, ncw, ncw, null, true, true));
            w = r[1].rank() == 3 ? r[1].reshape(r[1].size(0), 1, r[1].size(1), r[1].size(2)) : r[1];
        }
        return w.permute(0, 1, 3, 2).dup('c');
    }
}
