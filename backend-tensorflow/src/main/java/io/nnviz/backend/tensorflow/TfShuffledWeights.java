package io.nnviz.backend.tensorflow;

import io.nnviz.api.BackendException;
import io.nnviz.api.Capability;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;
import io.nnviz.api.spi.WeightShuffle;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.DataType;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The feeds that give a graph other weights without touching it or its session: TensorFlow lets
 * a run feed any tensor, a constant's or a variable read's included, and the ops downstream then
 * use the fed value. A randomised {@link TfModel} is the same graph and session run with these
 * feeds: the weights' own values, shuffled.
 */
final class TfShuffledWeights {
    private TfShuffledWeights() {
    }

    /** Feed points and their shuffled values for the weights of {@code layers}; the caller closes the tensors. */
    static Map<Output<?>, org.tensorflow.Tensor> of(TfModel model, List<LayerInfo> layers, long seed) {
        List<TfWeight> ws = new ArrayList<>();
        List<String> owners = new ArrayList<>();
        List<List<Output<?>>> points = new ArrayList<>();
        for (LayerInfo layer : layers) {
            for (TfWeight w : model.group(layer.id()).weights) {
                List<Output<?>> at = feedPoints(model, w.source());
                if (!at.isEmpty()) {
                    ws.add(w);
                    owners.add(layer.id());
                    points.add(at);
                }
            }
        }
        Map<Output<?>, org.tensorflow.Tensor> feeds = new LinkedHashMap<>();
        if (ws.isEmpty()) {
            return feeds;
        }
        Session.Runner r = model.session().runner();
        points.forEach(p -> r.fetch(p.get(0)));
        try (Result res = r.run()) {
            for (int i = 0; i < ws.size(); i++) {
                org.tensorflow.Tensor t = res.get(i);
                if (t.dataType() != DataType.DT_FLOAT && t.dataType() != DataType.DT_DOUBLE) {
                    throw new UnsupportedCapabilityException(model.name(), Capability.WEIGHT_RANDOMIZATION,
                            "weight '" + ws.get(i).name() + "' of layer '" + owners.get(i) + "' is " + t.dataType());
                }
                Tensor v = TfTensors.copy(t);
                float[] shuffled = WeightShuffle.shuffle(v.toArray(), WeightShuffle.random(seed, owners.get(i), ws.get(i).name()));
                Tensor s = Tensor.adopt(v.shape(), shuffled);
                for (Output<?> p : points.get(i)) {
                    feeds.put(p, t.dataType() == DataType.DT_DOUBLE ? TfTensors.doubles(s) : TfTensors.floats(s));
                }
            }
        } catch (UnsupportedCapabilityException e) {
            feeds.values().forEach(org.tensorflow.Tensor::close);
            throw e;
        } catch (RuntimeException e) {
            feeds.values().forEach(org.tensorflow.Tensor::close);
            throw new BackendException("TensorFlow could not read the weights of " + owners + ": " + e.getMessage(), e);
        }
        return feeds;
    }

    /**
     * Where a weight's value enters the graph: a constant's or reference variable's own output,
     * or, for a resource variable (whose output is a handle), every op that reads it.
     */
    private static List<Output<?>> feedPoints(TfModel model, GraphOperation src) {
        if (!src.type().equals("VarHandleOp")) {
            return List.of(src.output(0));
        }
        List<Output<?>> reads = new ArrayList<>();
        for (Iterator<GraphOperation> it = model.graph().operations(); it.hasNext(); ) {
            GraphOperation op = it.next();
            if (op.type().equals("ReadVariableOp") && op.numInputs() == 1 && op.input(0).op().name().equals(src.name())) {
                reads.add(op.output(0));
            }
        }
        return reads;
    }
}
