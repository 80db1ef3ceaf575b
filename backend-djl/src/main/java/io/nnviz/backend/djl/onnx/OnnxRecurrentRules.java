package io.nnviz.backend.djl.onnx;

import io.nnviz.backend.djl.onnx.OnnxShapeRules.Rule;

import java.util.List;
import java.util.Map;

import static io.nnviz.backend.djl.onnx.OnnxShapeRules.add;

/**
 * Shape rules for the recurrent layers {@code LSTM}, {@code GRU} and {@code RNN}: the sequence
 * output {@code [seq, directions, batch, hidden]} and the last states
 * {@code [directions, batch, hidden]}, batch first when {@code layout} is 1.
 */
final class OnnxRecurrentRules {
    private OnnxRecurrentRules() {
    }

    static void register(Map<String, Rule> rules) {
        add(rules, OnnxRecurrentRules::recurrent, "LSTM", "GRU", "RNN");
    }

    private static void recurrent(OnnxNode n) {
        List<OnnxDim> x = n.dims(0);
        if (x == null || x.size() != 3) {
            return;
        }
        boolean batchFirst = n.attrInt("layout", 0) == 1;
        OnnxDim seq = batchFirst ? x.get(1) : x.get(0), batch = batchFirst ? x.get(0) : x.get(1);
        OnnxDim dirs = OnnxDim.of(n.attrString("direction", "").equals("bidirectional") ? 2 : 1);
        OnnxDim hidden = OnnxDim.of(n.attrInt("hidden_size", -1));
        int t = n.type(0);
        if (n.outputCount() > 0) {
            n.put(0, OnnxTensorInfo.of(batchFirst ? List.of(batch, seq, dirs, hidden) : List.of(seq, dirs, batch, hidden), t));
        }
        for (int k = 1; k < n.outputCount(); k++) {
            n.put(k, OnnxTensorInfo.of(batchFirst ? List.of(batch, dirs, hidden) : List.of(dirs, batch, hidden), t));
        }
    }
}
