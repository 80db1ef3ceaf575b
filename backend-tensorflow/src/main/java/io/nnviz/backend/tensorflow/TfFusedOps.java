package io.nnviz.backend.tensorflow;

import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Splits fused ops into the ops they fuse, at the GraphDef level: {@code _FusedConv2D},
 * {@code _FusedMatMul} (what TensorFlow's optimizer writes into graphs it exports, and the
 * TensorFlow.js converter keeps) and {@code FusedDepthwiseConv2dNative} (the TensorFlow.js
 * converter's) become a {@code Conv2D}, {@code MatMul} or {@code DepthwiseConv2dNative}, then
 * {@code BiasAdd} or {@code FusedBatchNormV3}, an optional {@code AddV2}, and the activation. The
 * last op keeps the fused node's name, so what read it reads the same value; the parts are named
 * under it. TensorFlow's C++ gradient registry, which saliency and Grad-CAM use, knows the parts,
 * not the fused ops, and nnviz's layers see a convolution, its bias and its activation.
 */
final class TfFusedOps {
    private static final Set<String> FUSED = Set.of("_FusedConv2D", "_FusedMatMul", "FusedDepthwiseConv2dNative", "_FusedDepthwiseConv2dNative");
    private static final Set<String> ACTIVATIONS = Set.of("Relu", "Relu6", "Elu", "LeakyRelu", "Sigmoid", "Tanh");

    private TfFusedOps() {
    }

    /** True if one of the graph's own nodes is a fused op (its library's functions are not looked into: expand the calls first). */
    static boolean hasFused(GraphDef g) {
        return g.getNodeList().stream().anyMatch(n -> FUSED.contains(n.getOp()));
    }

    /** The graph with every fused op split into its parts. */
    static GraphDef split(GraphDef g) {
        List<NodeDef> out = new ArrayList<>();
        for (NodeDef n : g.getNodeList()) {
            if (FUSED.contains(n.getOp())) {
                split(n, out);
            } else {
                out.add(n);
            }
        }
        return g.toBuilder().clearNode().addAllNode(out).build();
    }

    private static List<String> fusedOps(NodeDef n) {
        List<String> ops = new ArrayList<>();
        if (n.containsAttr("fused_ops")) {
            n.getAttrOrThrow("fused_ops").getList().getSList().forEach(b -> ops.add(b.toStringUtf8()));
        }
        return ops;
    }

    private static void copy(NodeDef from, NodeDef.Builder to, String... attrs) {
        for (String a : attrs) {
            if (from.containsAttr(a)) {
                to.putAttr(a, from.getAttrOrThrow(a));
            }
        }
    }

    private static void split(NodeDef n, List<NodeDef> out) {
        List<String> data = new ArrayList<>(), control = new ArrayList<>();
        for (String in : n.getInputList()) {
            (in.startsWith("^") ? control : data).add(in);
        }
        List<String> fused = fusedOps(n);
        if (data.size() < 2 || fused.isEmpty()) {
            throw new IllegalArgumentException("fused op '" + n.getName() + "' (" + n.getOp() + ") has inputs " + data + " and fuses " + fused);
        }
        List<String> args = data.subList(2, data.size());
        List<NodeDef.Builder> chain = new ArrayList<>();
        NodeDef.Builder core = NodeDef.newBuilder().setDevice(n.getDevice()).addInput(data.get(0)).addInput(data.get(1));
        control.forEach(core::addInput);
        switch (n.getOp()) {
            case "_FusedConv2D" -> {
                core.setOp("Conv2D");
                copy(n, core, "T", "strides", "padding", "explicit_paddings", "data_format", "dilations", "use_cudnn_on_gpu");
            }
            case "_FusedMatMul" -> {
                core.setOp("MatMul");
                copy(n, core, "T", "transpose_a", "transpose_b");
            }
            default -> {
                core.setOp("DepthwiseConv2dNative");
                copy(n, core, "T", "strides", "padding", "explicit_paddings", "data_format", "dilations");
            }
        }
        chain.add(core);
        int a = 0;
        for (String op : fused) {
            NodeDef.Builder next = NodeDef.newBuilder().setDevice(n.getDevice());
            switch (op) {
                case "BiasAdd" -> {
                    next.setOp("BiasAdd").addInput(args.get(a++));
                    copy(n, next, "T", "data_format");
                }
                case "FusedBatchNorm" -> {
                    next.setOp("FusedBatchNormV3");
                    for (int k = 0; k < 4; k++) {
                        next.addInput(args.get(a++)); // scale, offset, mean, variance
                    }
                    copy(n, next, "T", "data_format");
                    next.putAttr("U", n.getAttrOrThrow("T")).putAttr("is_training", AttrValue.newBuilder().setB(false).build())
                            .putAttr("epsilon", n.containsAttr("epsilon") ? n.getAttrOrThrow("epsilon") : AttrValue.newBuilder().setF(1e-3f).build());
                }
                case "Add" -> {
                    next.setOp("AddV2").addInput(args.get(a++));
                    copy(n, next, "T");
                }
                default -> {
                    if (!ACTIVATIONS.contains(op)) {
                        throw new IllegalArgumentException("fused op '" + n.getName() + "' fuses " + op + ", which nnviz does not split");
                    }
                    next.setOp(op);
                    copy(n, next, "T");
                    if (op.equals("LeakyRelu") && n.containsAttr("leakyrelu_alpha")) {
                        next.putAttr("alpha", n.getAttrOrThrow("leakyrelu_alpha"));
                    }
                }
            }
            chain.add(next);
        }
        for (int i = 0; i < chain.size(); i++) {
            NodeDef.Builder b = chain.get(i);
            boolean last = i == chain.size() - 1;
            b.setName(last ? n.getName() : n.getName() + "/" + b.getOp());
            if (i > 0) {
                NodeDef.Builder prev = chain.get(i - 1);
                List<String> ins = new ArrayList<>(b.getInputList());
                b.clearInput().addInput(prev.getName()); // the previous part's first output, then its own arguments
                ins.forEach(b::addInput);
            }
            out.add(b.build());
        }
    }
}
