package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;

import java.util.List;

/**
 * Small ONNX graphs for the shape tests, built with the protobuf classes: typed inputs with sizes
 * and symbols, int64 and float initializers, nodes with int, ints, string and graph attributes.
 */
final class OnnxGraphs {
    private OnnxGraphs() {
    }

    /** A tensor value of element type {@code type}: each dimension a size, or a symbol ("N"), or "?" for none. */
    static OnnxMl.ValueInfoProto value(String name, int type, Object... dims) {
        OnnxMl.TypeProto.Tensor.Builder t = OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type);
        if (dims != null) {
            OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
            for (Object d : dims) {
                OnnxMl.TensorShapeProto.Dimension.Builder b = OnnxMl.TensorShapeProto.Dimension.newBuilder();
                if (d instanceof Number n) {
                    b.setDimValue(n.longValue());
                } else if (!"?".equals(d)) {
                    b.setDimParam((String) d);
                }
                s.addDim(b);
            }
            t.setShape(s);
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(t)).build();
    }

    /** A float tensor value. */
    static OnnxMl.ValueInfoProto floats(String name, Object... dims) {
        return value(name, OnnxTensors.FLOAT, dims);
    }

    /** An int64 initializer of these values and dims ({@code [values.length]} when none are given). */
    static OnnxMl.TensorProto ints(String name, long[] values, long... dims) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxTensors.INT64);
        if (dims.length == 0) {
            t.addDims(values.length);
        }
        for (long d : dims) {
            t.addDims(d);
        }
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }

    /** An int64 scalar initializer. */
    static OnnxMl.TensorProto scalar(String name, long v) {
        return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxTensors.INT64).addInt64Data(v).build();
    }

    /** A float scalar initializer. */
    static OnnxMl.TensorProto scalar(String name, float v) {
        return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxTensors.FLOAT).addFloatData(v).build();
    }

    /** A float initializer of these values and dims ({@code [values.length]} when none are given). */
    static OnnxMl.TensorProto floatTensor(String name, float[] values, long... dims) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxTensors.FLOAT);
        if (dims.length == 0) {
            t.addDims(values.length);
        }
        for (long d : dims) {
            t.addDims(d);
        }
        for (float v : values) {
            t.addFloatData(v);
        }
        return t.build();
    }

    /** A node; outputs after "->" in {@code io} ("x, axes -> y"), an empty input as "". */
    static OnnxMl.NodeProto.Builder node(String op, String io) {
        String[] parts = io.split("->");
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(op + ":" + parts[1].trim());
        for (String in : parts[0].split(",", -1)) {
            if (!parts[0].isBlank()) {
                n.addInput(in.trim().equals("\"\"") ? "" : in.trim());
            }
        }
        for (String out : parts[1].split(",")) {
            n.addOutput(out.trim());
        }
        return n;
    }

    static OnnxMl.AttributeProto intAttr(String name, long v) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT).setI(v).build();
    }

    static OnnxMl.AttributeProto intsAttr(String name, long... v) {
        OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    static OnnxMl.AttributeProto floatAttr(String name, float v) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    static OnnxMl.AttributeProto stringAttr(String name, String v) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(v)).build();
    }

    static OnnxMl.AttributeProto graphAttr(String name, OnnxMl.GraphProto g) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.GRAPH).setG(g).build();
    }

    /** A model of {@code graph} importing ai.onnx {@code opset}. */
    static OnnxMl.ModelProto model(int opset, OnnxMl.GraphProto graph) {
        return OnnxMl.ModelProto.newBuilder().setIrVersion(opset >= 21 ? 10 : opset >= 19 ? 9 : 8).setProducerName("nnviz test")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(opset)).setGraph(graph).build();
    }

    /** A graph of these parts: value infos are inputs, initializers, nodes; {@code outputs} are value infos or names (untyped). */
    static OnnxMl.GraphProto graph(List<?> outputs, Object... parts) {
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("g");
        for (Object p : parts) {
            if (p instanceof OnnxMl.ValueInfoProto v) {
                g.addInput(v);
            } else if (p instanceof OnnxMl.TensorProto t) {
                g.addInitializer(t);
            } else if (p instanceof OnnxMl.NodeProto.Builder n) {
                g.addNode(n);
            } else if (p instanceof OnnxMl.NodeProto n) {
                g.addNode(n);
            }
        }
        for (Object o : outputs) {
            g.addOutput(o instanceof OnnxMl.ValueInfoProto v ? v : OnnxMl.ValueInfoProto.newBuilder().setName((String) o).build());
        }
        return g.build();
    }
}
