package io.nnviz.backend.tensorflow.tflite;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The builtin options of the operators whose settings a diagram shows (convolutions, pools, fully
 * connected, concatenation, add): strides, padding, dilation, filter size, fused activation, axis,
 * as layer attributes. An options table of another type than the operator's is ignored, not trusted.
 */
final class TfliteOptions {
    private TfliteOptions() {
    }

    static Map<String, String> attributes(TfliteTable op, int builtin) {
        Map<String, String> a = new LinkedHashMap<>();
        int type = op.uint8(TfliteSchema.OP_OPTIONS_TYPE, 0);
        int expected = switch (builtin) {
            case 3 -> TfliteSchema.OPTIONS_CONV2D; // CONV_2D
            case 4 -> TfliteSchema.OPTIONS_DEPTHWISE; // DEPTHWISE_CONV_2D
            case 1, 12, 17 -> TfliteSchema.OPTIONS_POOL2D; // AVERAGE_POOL_2D, L2_POOL_2D, MAX_POOL_2D
            case 9 -> TfliteSchema.OPTIONS_FULLY_CONNECTED;
            case 2 -> TfliteSchema.OPTIONS_CONCATENATION;
            case 0 -> TfliteSchema.OPTIONS_ADD;
            case 67 -> TfliteSchema.OPTIONS_TRANSPOSE_CONV;
            default -> -1;
        };
        if (type == 0 || type != expected) {
            return a;
        }
        TfliteTable o = op.table(TfliteSchema.OP_OPTIONS, "the options of an operator");
        if (o == null) {
            return a;
        }
        int s = 0; // the field index where padding, stride_w, stride_h start (all but FC, concatenation and add)
        switch (type) {
            case TfliteSchema.OPTIONS_CONV2D, TfliteSchema.OPTIONS_TRANSPOSE_CONV -> {
                strides(a, o, s);
                activation(a, o, 3);
                if (type == TfliteSchema.OPTIONS_CONV2D) {
                    dilation(a, o, 4);
                }
            }
            case TfliteSchema.OPTIONS_DEPTHWISE -> {
                strides(a, o, s);
                a.put("depth multiplier", String.valueOf(o.int32(TfliteSchema.slot(3), 0)));
                activation(a, o, 4);
                dilation(a, o, 5);
            }
            case TfliteSchema.OPTIONS_POOL2D -> {
                a.put("pool", o.int32(TfliteSchema.slot(4), 0) + "x" + o.int32(TfliteSchema.slot(3), 0));
                strides(a, o, s);
                activation(a, o, 5);
            }
            case TfliteSchema.OPTIONS_FULLY_CONNECTED, TfliteSchema.OPTIONS_ADD -> activation(a, o, 0);
            case TfliteSchema.OPTIONS_CONCATENATION -> {
                a.put("axis", String.valueOf(o.int32(TfliteSchema.slot(0), 0)));
                activation(a, o, 1);
            }
            default -> {
            }
        }
        return a;
    }

    private static void strides(Map<String, String> a, TfliteTable o, int from) {
        a.put("padding", TfliteSchema.padding(o.int8(TfliteSchema.slot(from), 0)));
        a.put("stride", o.int32(TfliteSchema.slot(from + 2), 0) + "x" + o.int32(TfliteSchema.slot(from + 1), 0));
    }

    private static void dilation(Map<String, String> a, TfliteTable o, int from) {
        int w = o.int32(TfliteSchema.slot(from), 1), h = o.int32(TfliteSchema.slot(from + 1), 1);
        if (w != 1 || h != 1) {
            a.put("dilation", h + "x" + w);
        }
    }

    private static void activation(Map<String, String> a, TfliteTable o, int field) {
        int f = o.int8(TfliteSchema.slot(field), 0);
        if (f != 0) {
            a.put("activation", TfliteSchema.activation(f));
        }
    }
}
