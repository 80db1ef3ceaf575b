package io.nnviz.backend.tensorflow.tflite;

import io.nnviz.api.DType;

import java.util.Locale;

/**
 * The facts of TensorFlow Lite's flatbuffer schema ({@code tensorflow/lite/schema/schema.fbs},
 * version 3 and its compatible revisions) that nnviz reads: the vtable slot of each field read (field
 * {@code i} of a table sits at vtable offset {@code 4 + 2 i}), the names of the
 * {@code BuiltinOperator} codes and the {@code TensorType}s with their sizes. Written here from the
 * schema's text; no generated code.
 */
final class TfliteSchema {
    private TfliteSchema() {
    }

    /** The vtable offset of field {@code index} (in declaration order, a union counting two: its type, then its value). */
    static int slot(int index) {
        return 4 + 2 * index;
    }

    // Model
    static final int MODEL_VERSION = slot(0), MODEL_OPERATOR_CODES = slot(1), MODEL_SUBGRAPHS = slot(2), MODEL_DESCRIPTION = slot(3),
            MODEL_BUFFERS = slot(4), MODEL_METADATA = slot(6), MODEL_SIGNATURE_DEFS = slot(7);
    // SubGraph
    static final int GRAPH_TENSORS = slot(0), GRAPH_INPUTS = slot(1), GRAPH_OUTPUTS = slot(2), GRAPH_OPERATORS = slot(3), GRAPH_NAME = slot(4);
    // Tensor
    static final int TENSOR_SHAPE = slot(0), TENSOR_TYPE = slot(1), TENSOR_BUFFER = slot(2), TENSOR_NAME = slot(3),
            TENSOR_QUANTIZATION = slot(4), TENSOR_IS_VARIABLE = slot(5), TENSOR_SPARSITY = slot(6), TENSOR_SHAPE_SIGNATURE = slot(7);
    // QuantizationParameters (details is a union: its type at 4, its value at 5)
    static final int QUANT_SCALE = slot(2), QUANT_ZERO_POINT = slot(3), QUANT_DETAILS_TYPE = slot(4), QUANT_DIMENSION = slot(6);
    // SparsityParameters, DimensionMetadata (array_segments and array_indices are unions)
    static final int SPARSITY_TRAVERSAL_ORDER = slot(0), SPARSITY_BLOCK_MAP = slot(1), SPARSITY_DIM_METADATA = slot(2);
    static final int DIM_FORMAT = slot(0), DIM_DENSE_SIZE = slot(1), DIM_SEGMENTS_TYPE = slot(2), DIM_SEGMENTS = slot(3),
            DIM_INDICES_TYPE = slot(4), DIM_INDICES = slot(5);
    /** The values vector of Int32Vector, Uint16Vector and Uint8Vector (SparseIndexVector's members 1, 2 and 3). */
    static final int INDEX_VECTOR_VALUES = slot(0);
    // OperatorCode
    static final int CODE_DEPRECATED_BUILTIN = slot(0), CODE_CUSTOM = slot(1), CODE_VERSION = slot(2), CODE_BUILTIN = slot(3);
    // Operator (builtin_options is a union: its type at 3, its value at 4)
    static final int OP_OPCODE_INDEX = slot(0), OP_INPUTS = slot(1), OP_OUTPUTS = slot(2), OP_OPTIONS_TYPE = slot(3), OP_OPTIONS = slot(4),
            OP_INTERMEDIATES = slot(8);
    // Buffer
    static final int BUFFER_DATA = slot(0), BUFFER_OFFSET = slot(1), BUFFER_SIZE = slot(2);
    // Metadata, SignatureDef
    static final int METADATA_NAME = slot(0), SIGNATURE_KEY = slot(2);

    /** BuiltinOptions union members read for attributes. */
    static final int OPTIONS_CONV2D = 1, OPTIONS_DEPTHWISE = 2, OPTIONS_POOL2D = 5, OPTIONS_FULLY_CONNECTED = 8, OPTIONS_CONCATENATION = 10,
            OPTIONS_ADD = 11, OPTIONS_TRANSPOSE_CONV = 49;

    static final int CUSTOM = 32, DEQUANTIZE = 6, DENSIFY = 124, CONV_2D = 3, DEPTHWISE_CONV_2D = 4, TRANSPOSE_CONV = 67,
            PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

    /** BuiltinOperator names by code (0 to 205; 225 is named apart). */
    private static final String[] BUILTINS = ("ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE"
            + " EMBEDDING_LOOKUP FLOOR FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC"
            + " LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH"
            + " CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER BATCH_TO_SPACE_ND"
            + " SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE BIDIRECTIONAL_SEQUENCE_RNN EXP"
            + " TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG PADV2 GREATER"
            + " GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV SPARSE_TO_DENSE TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT"
            + " RSQRT SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK"
            + " REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE FILL FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU"
            + " SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE"
            + " MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND HARD_SWISH IF WHILE NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND"
            + " SELECT_V2 DENSIFY SEGMENT_SUM BATCH_MATMUL PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE BROADCAST_TO RFFT2D CONV_3D"
            + " IMAG REAL COMPLEX_ABS HASHTABLE HASHTABLE_FIND HASHTABLE_IMPORT HASHTABLE_SIZE REDUCE_ALL CONV_3D_TRANSPOSE VAR_HANDLE"
            + " READ_VARIABLE ASSIGN_VARIABLE BROADCAST_ARGS RANDOM_STANDARD_NORMAL BUCKETIZE RANDOM_UNIFORM MULTINOMIAL GELU"
            + " DYNAMIC_UPDATE_SLICE RELU_0_TO_1 UNSORTED_SEGMENT_PROD UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_SUM ATAN2"
            + " UNSORTED_SEGMENT_MIN SIGN BITCAST BITWISE_XOR RIGHT_SHIFT STABLEHLO_LOGISTIC STABLEHLO_ADD STABLEHLO_DIVIDE"
            + " STABLEHLO_MULTIPLY STABLEHLO_MAXIMUM STABLEHLO_RESHAPE STABLEHLO_CLAMP STABLEHLO_CONCATENATE STABLEHLO_BROADCAST_IN_DIM"
            + " STABLEHLO_CONVOLUTION STABLEHLO_SLICE STABLEHLO_CUSTOM_CALL STABLEHLO_REDUCE STABLEHLO_ABS STABLEHLO_AND STABLEHLO_COSINE"
            + " STABLEHLO_EXPONENTIAL STABLEHLO_FLOOR STABLEHLO_LOG STABLEHLO_MINIMUM STABLEHLO_NEGATE STABLEHLO_OR STABLEHLO_POWER"
            + " STABLEHLO_REMAINDER STABLEHLO_RSQRT STABLEHLO_SELECT STABLEHLO_SUBTRACT STABLEHLO_TANH STABLEHLO_SCATTER STABLEHLO_COMPARE"
            + " STABLEHLO_CONVERT STABLEHLO_DYNAMIC_SLICE STABLEHLO_DYNAMIC_UPDATE_SLICE STABLEHLO_PAD STABLEHLO_IOTA STABLEHLO_DOT_GENERAL"
            + " STABLEHLO_REDUCE_WINDOW STABLEHLO_SORT STABLEHLO_WHILE STABLEHLO_GATHER STABLEHLO_TRANSPOSE DILATE"
            + " STABLEHLO_RNG_BIT_GENERATOR REDUCE_WINDOW").split(" ");

    /** The name of builtin operator {@code code}, or {@code BUILTIN_<code>} for a code this list does not know (a newer schema's). */
    static String builtinName(int code) {
        if (code >= 0 && code < BUILTINS.length) {
            return BUILTINS[code];
        }
        return code == 225 ? "TEMP_STREAMING_CONV_2D" : "BUILTIN_" + code;
    }

    /** A TensorType: its name as the schema spells it (lower case) and bytes per element (0 where it has no fixed size). */
    enum Type {
        FLOAT32(4), FLOAT16(2), INT32(4), UINT8(1), INT64(8), STRING(0), BOOL(1), INT16(2), COMPLEX64(8), INT8(1), FLOAT64(8),
        COMPLEX128(16), UINT64(8), RESOURCE(0), VARIANT(0), UINT32(4), UINT16(2), INT4(0);

        private final int bytes;

        /** By code: {@code values()} copies its array at every call, and a tensor's reading asked once a value. */
        private static final Type[] ALL = values();

        Type(int bytes) {
            this.bytes = bytes;
        }

        /** Bytes per element, 0 where the type has no fixed size. */
        int bytes() {
            return bytes;
        }

        /** The type with code {@code code}, or null for one the schema does not define. */
        static Type of(int code) {
            return code >= 0 && code < ALL.length ? ALL[code] : null;
        }

        /** Whether values of this type are floating point. */
        boolean floating() {
            return this == FLOAT32 || this == FLOAT16 || this == FLOAT64;
        }

        /** Whether nnviz reads values of this type as numbers (fixed size, real-valued). */
        boolean numeric() {
            return bytes > 0 && this != COMPLEX64 && this != COMPLEX128;
        }

        /** The stored type as parameter totals count it. */
        DType dtype() {
            return floating() ? DType.floating(label()) : DType.quantized(label());
        }

        /** The schema's name in lower case: {@code float16}, {@code int8}. */
        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** ActivationFunctionType names, for the fused activation of an op. */
    static String activation(int code) {
        return switch (code) {
            case 0 -> "none";
            case 1 -> "relu";
            case 2 -> "relu_n1_to_1";
            case 3 -> "relu6";
            case 4 -> "tanh";
            case 5 -> "sign_bit";
            default -> "activation " + code;
        };
    }

    /** Padding names. */
    static String padding(int code) {
        return code == 0 ? "same" : code == 1 ? "valid" : "padding " + code;
    }
}
