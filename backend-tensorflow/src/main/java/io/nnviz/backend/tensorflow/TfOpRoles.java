package io.nnviz.backend.tensorflow;

import io.nnviz.api.LayerKind;
import io.nnviz.api.WeightRole;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;

import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * What a layer's ops are: the layer's kind, from its op types, and for each weight it reads the
 * variable or constant behind it, its role and its conversion to canonical layout, from the op
 * that reads it.
 */
final class TfOpRoles {
    /** Ops that hold a weight's value. */
    static final Set<String> PARAM_SOURCES = Set.of("Variable", "VariableV2", "VarHandleOp", "Const");
    /** Activations: a layer of them alone is an activation layer; after a root-level anchor, they join its layer. */
    static final Set<String> ACTIVATIONS = Set.of("Relu", "Relu6", "Elu", "Selu", "Tanh", "Sigmoid", "Softmax",
            "LogSoftmax", "LeakyRelu", "Softplus", "Softsign", "Gelu");
    /** Element-wise ops: a merge where they read two computed tensors, a bias where they add a vector weight. */
    static final Set<String> ELEMENTWISE_MERGES = Set.of("Add", "AddV2", "AddN", "Mul", "Sub", "Maximum");
    /** Ops a weight's value passes through between its source and the op using it. */
    private static final Set<String> PASS_THROUGH = Set.of("Identity", "ReadVariableOp", "Cast", "Snapshot");
    /** Ops that read a sequence or a time step of it: a recurrent matmul reading one holds the input kernel. */
    private static final Set<String> SEQUENCE_READS = Set.of("Unpack", "Slice", "StridedSlice", "Squeeze", "GatherV2",
            "Placeholder");

    private TfOpRoles() {
    }

    /** The kind of a layer whose ops have {@code types}; {@code output} is the model's output op. */
    static LayerKind kindOf(TfLayer g, Set<String> types, GraphOperation output) {
        String id = g.id.toLowerCase(Locale.ROOT);
        if (types.contains("LSTMBlockCell") || types.contains("BlockLSTM") || types.contains("BlockLSTMV2")
                || types.contains("GRUBlockCell") || id.contains("lstm") || id.contains("gru") || id.contains("rnn")) {
            return LayerKind.RECURRENT;
        }
        if (types.contains("Conv2D") || types.contains("DepthwiseConv2dNative") || types.contains("Conv3D")
                || types.contains("Conv1D")) {
            return LayerKind.CONV;
        }
        if (types.contains("MatMul") || types.contains("BatchMatMulV2")) {
            return g.ops.contains(output) ? LayerKind.OUTPUT : LayerKind.DENSE;
        }
        if (types.contains("MaxPool") || types.contains("AvgPool") || types.contains("MaxPoolV2") || types.contains("Mean")) {
            return LayerKind.POOL;
        }
        if (types.contains("FusedBatchNorm") || types.contains("FusedBatchNormV3")) {
            return LayerKind.NORM;
        }
        if (types.contains("ConcatV2") || g.inputs.size() >= 2) {
            return LayerKind.MERGE;
        }
        if (types.contains("Reshape") || types.contains("Squeeze") || types.contains("Transpose") || types.contains("Pad")) {
            return LayerKind.RESHAPE;
        }
        if (ACTIVATIONS.containsAll(types)) {
            return LayerKind.ACTIVATION;
        }
        return LayerKind.OTHER;
    }

    /** The variable or constant behind a parameter input (through reads and casts), or null. */
    static GraphOperation source(GraphOperation op) {
        GraphOperation cur = op;
        for (int depth = 0; depth < 8; depth++) {
            if (PARAM_SOURCES.contains(cur.type())) {
                return cur;
            }
            if (!PASS_THROUGH.contains(cur.type()) || cur.numInputs() == 0) {
                return null;
            }
            cur = (GraphOperation) cur.input(0).op();
        }
        return null;
    }

    /** True if {@code src} holds floating-point values worth showing: a variable, or a constant of more than one value. */
    static boolean isFloatWeight(GraphOperation src) {
        Output<?> o = src.output(0);
        DataType t = o.dataType();
        if (t != DataType.DT_FLOAT && t != DataType.DT_DOUBLE && t != DataType.DT_HALF && t != DataType.DT_BFLOAT16
                && t != DataType.DT_FLOAT_REF && t != DataType.DT_DOUBLE_REF) {
            return false;
        }
        Shape s = o.shape();
        return !s.isUnknown() && s.numDimensions() >= 1 && s.size() > 1 || src.type().startsWith("Var");
    }

    /**
     * The weight {@code src} that input {@code index} of {@code consumer}, an op of layer {@code g},
     * reads: its role and its conversion to canonical layout ({@code layerOf} gives each op's layer).
     */
    static TfWeight weight(TfLayer g, GraphOperation consumer, int index, GraphOperation src, Function<GraphOperation, TfLayer> layerOf) {
        String type = consumer.type();
        String name = src.name();
        if ((type.equals("Conv2D")) && index == 1) {
            return new TfWeight(name, src, WeightRole.KERNEL, t -> t.permute(3, 2, 0, 1), new int[] {3, 2, 0, 1}); // HWIO -> OIHW
        }
        if (type.equals("DepthwiseConv2dNative") && index == 1) {
            return new TfWeight(name, src, WeightRole.KERNEL, t -> {
                int kh = t.shape().dim(0), kw = t.shape().dim(1), c = t.shape().dim(2), m = t.shape().dim(3);
                return t.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw);
            });
        }
        if (type.equals("MatMul") && index == 1) {
            boolean transposed = consumer.attributes().getAttrBool("transpose_b");
            WeightRole role = WeightRole.KERNEL;
            if (g.kind == LayerKind.RECURRENT) {
                // a matmul reading the sequence (from outside the layer, or a time step sliced out of it)
                // holds the input kernel; one reading the state computed inside the layer, the recurrent one
                GraphOperation other = (GraphOperation) consumer.input(0).op();
                boolean readsInput = layerOf.apply(other) != g || SEQUENCE_READS.contains(other.type());
                role = readsInput ? WeightRole.INPUT_KERNEL : WeightRole.RECURRENT_KERNEL;
            }
            return transposed ? new TfWeight(name, src, role, t -> t)
                    : new TfWeight(name, src, role, t -> t.permute(1, 0), new int[] {1, 0}); // [in, out] -> [out, in]
        }
        if (type.equals("BiasAdd") || ELEMENTWISE_MERGES.contains(type) && src.output(0).shape().numDimensions() == 1) {
            return new TfWeight(name, src, WeightRole.BIAS, t -> t);
        }
        if (type.startsWith("FusedBatchNorm") && index >= 1 && index <= 4) {
            WeightRole[] roles = {WeightRole.GAMMA, WeightRole.BETA, WeightRole.RUNNING_MEAN, WeightRole.RUNNING_VAR};
            return new TfWeight(name, src, roles[index - 1], t -> t);
        }
        return new TfWeight(name, src, WeightRole.OTHER, t -> t);
    }
}
