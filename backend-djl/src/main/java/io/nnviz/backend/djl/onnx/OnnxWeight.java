package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import io.nnviz.api.DType;

/**
 * One weight of a layer as the file stores it: a floating-point tensor, or a quantized one with
 * what turns it back into floats, {@code (q - zeroPoint) * scale}, per tensor or per slice along
 * {@code axis}. A quantized weight whose scale the graph does not give ({@code scale} null) is
 * shown in integer steps from its zero point.
 *
 * @param values    the tensor as stored
 * @param scale     the float scale (a scalar, or one per slice along {@code axis}); null for a float tensor or an unknown scale
 * @param zeroPoint the integer zero point (scalar or per slice); null for none (zero)
 * @param axis      the axis that per-slice scales and zero points run along
 */
record OnnxWeight(OnnxMl.TensorProto values, OnnxMl.TensorProto scale, OnnxMl.TensorProto zeroPoint, int axis) {

    /** A floating-point weight. */
    static OnnxWeight plain(OnnxMl.TensorProto t) {
        return new OnnxWeight(t, null, null, 0);
    }

    /** True for an integer tensor read through a scale and zero point. */
    boolean quantized() {
        return values.getDataType() == OnnxTensors.UINT8 || values.getDataType() == OnnxTensors.INT8;
    }

    /** How the file stores it. */
    DType dtype() {
        return switch (values.getDataType()) {
            case OnnxTensors.UINT8 -> DType.UINT8;
            case OnnxTensors.INT8 -> DType.INT8;
            case OnnxTensors.FLOAT16 -> DType.FLOAT16;
            case OnnxTensors.BFLOAT16 -> DType.BFLOAT16;
            case OnnxTensors.DOUBLE -> DType.FLOAT64;
            default -> DType.FLOAT32;
        };
    }

    /** How many values the file holds for it. */
    long count() {
        return OnnxTensors.count(values);
    }

    /** Values {@code [from, from + length)} as floats, dequantized when the tensor is quantized. */
    void read(int from, float[] dst, int offset, int length) {
        if (quantized()) {
            OnnxTensors.dequantize(this, from, dst, offset, length);
        } else {
            OnnxTensors.floats(values, from, dst, offset, length);
        }
    }
}
