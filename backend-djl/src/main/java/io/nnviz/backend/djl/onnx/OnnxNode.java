package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;

import java.util.List;

/**
 * One node under shape inference, as its rule sees it: what is known of its inputs, its
 * attributes, and where what the rule infers of its outputs goes. An input index past the node's
 * inputs reads as the empty name, of which nothing is known.
 */
final class OnnxNode {
    private final OnnxShapes scope;
    private final OnnxMl.NodeProto proto;
    private final int index;

    /** Node {@code proto}, the {@code index}th of its graph. */
    OnnxNode(OnnxShapes scope, OnnxMl.NodeProto proto, int index) {
        this.scope = scope;
        this.proto = proto;
        this.index = index;
    }

    /** Its place in its graph. */
    int index() {
        return index;
    }

    /** The graph whose shapes are being inferred, with its enclosing graphs in scope. */
    OnnxShapes scope() {
        return scope;
    }

    OnnxMl.NodeProto proto() {
        return proto;
    }

    String op() {
        return proto.getOpType();
    }

    int inputCount() {
        return proto.getInputCount();
    }

    int outputCount() {
        return proto.getOutputCount();
    }

    /** Whether optional input {@code i} is given: present and named (a left-out one is missing or named ""). */
    boolean given(int i) {
        return !input(i).isEmpty();
    }

    /** The name of input {@code i}, or {@code ""} when the node has no such input. */
    String input(int i) {
        return i < proto.getInputCount() ? proto.getInput(i) : "";
    }

    /** The length of 1-D input {@code i} (a shape, axes, repeats) where its size is known, its values or not; else -1. */
    long length(int i) {
        List<OnnxDim> d = dims(i);
        return d != null && d.size() == 1 && d.get(0).known() ? d.get(0).size() : -1;
    }

    /** What is known of input {@code i}, or null. */
    OnnxTensorInfo info(int i) {
        return scope.get(input(i));
    }

    /** Input {@code i}'s dimensions, or null. */
    List<OnnxDim> dims(int i) {
        OnnxTensorInfo info = info(i);
        return info == null ? null : info.dims();
    }

    /** Input {@code i}'s values (a small integer tensor's), or null. */
    List<OnnxDim> values(int i) {
        OnnxTensorInfo info = info(i);
        return info == null ? null : info.values();
    }

    /** Input {@code i}'s element type, 0 if unknown. */
    int type(int i) {
        OnnxTensorInfo info = info(i);
        return info == null ? 0 : info.type();
    }

    /** Known integer values of input {@code i}, or null. */
    long[] intValues(int i) {
        List<OnnxDim> v = values(i);
        if (v == null) {
            return null;
        }
        long[] out = new long[v.size()];
        for (int k = 0; k < out.length; k++) {
            if (!v.get(k).numeric()) {
                return null;
            }
            out[k] = v.get(k).size();
        }
        return out;
    }

    /** The ai.onnx opset the model imports. */
    int opset() {
        return scope.opset();
    }

    OnnxMl.AttributeProto attr(String name) {
        for (OnnxMl.AttributeProto a : proto.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    long attrInt(String name, long dflt) {
        OnnxMl.AttributeProto a = attr(name);
        return a == null ? dflt : a.getI();
    }

    long[] attrInts(String name) {
        OnnxMl.AttributeProto a = attr(name);
        if (a == null) {
            return null;
        }
        long[] v = new long[a.getIntsCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getInts(i);
        }
        return v;
    }

    String attrString(String name, String dflt) {
        OnnxMl.AttributeProto a = attr(name);
        return a == null ? dflt : a.getS().toStringUtf8();
    }

    /** Axes from the attribute (older opsets) or input {@code input} (opset 13). */
    long[] axes(int input) {
        long[] a = attrInts("axes");
        return a != null ? a : proto.getInputCount() > input ? intValues(input) : null;
    }

    /** Sets what is known of the first output; nothing for null or a node without outputs. */
    void put(OnnxTensorInfo info) {
        if (proto.getOutputCount() > 0) {
            put(0, info);
        }
    }

    /** Sets what is known of output {@code k}; nothing for null. */
    void put(int k, OnnxTensorInfo info) {
        scope.put(proto.getOutput(k), info);
    }
}
