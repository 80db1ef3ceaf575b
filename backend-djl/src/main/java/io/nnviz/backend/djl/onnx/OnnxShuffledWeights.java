package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.nnviz.api.spi.WeightShuffle;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model with some tensors' values shuffled, for {@link OnnxModel}'s randomised copy:
 * the initializers and {@code Constant} nodes of those names get their own values in a shuffled
 * order (float tensors; tensors of other types stay as they are), everything else is the same.
 */
final class OnnxShuffledWeights {
    private OnnxShuffledWeights() {
    }

    /** {@code model} with the tensors of {@code byLayer} (layer id to its tensors) shuffled. */
    static OnnxMl.ModelProto of(OnnxMl.ModelProto model, Map<String, List<OnnxWeight>> byLayer, long seed) {
        Map<String, OnnxMl.TensorProto> replaced = new HashMap<>();
        byLayer.forEach((layer, weights) -> {
            for (OnnxWeight w : weights) {
                OnnxMl.TensorProto t = w.values();
                if (w.quantized() && !t.getRawData().isEmpty()) {
                    byte[] bytes = t.getRawData().toByteArray(); // one byte per value: shuffled as bytes, scale and zero point kept
                    float[] order = new float[bytes.length];
                    for (int i = 0; i < order.length; i++) {
                        order[i] = i;
                    }
                    float[] shuffled = WeightShuffle.shuffle(order, WeightShuffle.random(seed, layer, t.getName()));
                    byte[] out = new byte[bytes.length];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = bytes[(int) shuffled[i]];
                    }
                    replaced.put(t.getName(), t.toBuilder().clearExternalData().setDataLocation(OnnxMl.TensorProto.DataLocation.DEFAULT)
                            .setRawData(ByteString.copyFrom(out)).build());
                } else if (t.getDataType() == OnnxTensors.FLOAT) {
                    float[] v = WeightShuffle.shuffle(OnnxTensors.floats(t), WeightShuffle.random(seed, layer, t.getName()));
                    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                    b.asFloatBuffer().put(v);
                    replaced.put(t.getName(), t.toBuilder().clearFloatData().clearExternalData()
                            .setDataLocation(OnnxMl.TensorProto.DataLocation.DEFAULT)
                            .setRawData(ByteString.copyFrom(b.array())).build());
                }
            }
        });
        OnnxMl.GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            OnnxMl.TensorProto r = replaced.get(g.getInitializer(i).getName());
            if (r != null) {
                g.setInitializer(i, r);
            }
        }
        for (int i = 0; i < g.getNodeCount(); i++) {
            OnnxMl.NodeProto n = g.getNode(i);
            if (!n.getOpType().equals("Constant") || n.getOutputCount() != 1 || !replaced.containsKey(n.getOutput(0))) {
                continue;
            }
            OnnxMl.NodeProto.Builder nb = n.toBuilder();
            for (int a = 0; a < nb.getAttributeCount(); a++) {
                if (nb.getAttribute(a).getName().equals("value")) {
                    OnnxMl.TensorProto orig = nb.getAttribute(a).getT();
                    nb.setAttribute(a, nb.getAttribute(a).toBuilder().setT(orig.toBuilder().clearFloatData()
                            .setRawData(replaced.get(n.getOutput(0)).getRawData())));
                }
            }
            g.setNode(i, nb);
        }
        return model.toBuilder().setGraph(g).build();
    }
}
