package io.nnviz.backend.tensorflow.tflite;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.BUFFER_DATA;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.BUFFER_OFFSET;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.BUFFER_SIZE;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.CODE_BUILTIN;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.CODE_CUSTOM;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.CODE_DEPRECATED_BUILTIN;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.CODE_VERSION;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.CUSTOM;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.DIM_DENSE_SIZE;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.DIM_FORMAT;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.DIM_INDICES;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.DIM_INDICES_TYPE;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.DIM_SEGMENTS;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.DIM_SEGMENTS_TYPE;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.GRAPH_INPUTS;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.GRAPH_NAME;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.GRAPH_OPERATORS;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.GRAPH_OUTPUTS;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.GRAPH_TENSORS;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.INDEX_VECTOR_VALUES;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.METADATA_NAME;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.MODEL_BUFFERS;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.MODEL_DESCRIPTION;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.MODEL_METADATA;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.MODEL_OPERATOR_CODES;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.MODEL_SIGNATURE_DEFS;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.MODEL_SUBGRAPHS;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.MODEL_VERSION;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.OP_INPUTS;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.OP_OPCODE_INDEX;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.OP_OUTPUTS;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.QUANT_DIMENSION;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.QUANT_SCALE;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.QUANT_ZERO_POINT;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.SIGNATURE_KEY;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.SPARSITY_BLOCK_MAP;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.SPARSITY_DIM_METADATA;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.SPARSITY_TRAVERSAL_ORDER;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.TENSOR_BUFFER;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.TENSOR_IS_VARIABLE;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.TENSOR_NAME;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.TENSOR_QUANTIZATION;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.TENSOR_SHAPE;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.TENSOR_SHAPE_SIGNATURE;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.TENSOR_SPARSITY;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.TENSOR_TYPE;
import static io.nnviz.backend.tensorflow.tflite.TfliteSchema.builtinName;

/**
 * A TFLite file's main subgraph as plain values, read from the flatbuffer through
 * {@link TfliteTable} (every position checked): its tensors (shape, type, where their bytes are,
 * quantization, sparsity), its operators in execution order (name, inputs, outputs, options as
 * attributes), and what the model says of itself. Values are not read here; {@link TfliteChecks}
 * checks the whole before anything uses it.
 */
record TfliteGraph(long version, int subgraphs, String description, List<Tensor> tensors, List<Op> ops, int[] inputs, int[] outputs,
                   Map<String, String> properties) {

    /** Where a constant tensor's bytes are in the file: {@code length} bytes from {@code offset}. */
    record Data(long offset, long length) {
    }

    /** Asymmetric linear quantization: {@code f = scale * (q - zeroPoint)}, per channel along {@code axis} when several. */
    record Quant(float[] scale, long[] zeroPoint, int axis) {
    }

    /** One dimension of a sparse tensor's storage, in traversal order: dense (its size) or compressed (CSR segments and indices). */
    record Dim(boolean sparse, int denseSize, int[] segments, int[] indices) {
    }

    /** A sparse tensor's storage (TACO format): the traversal order, the block map, and each traversed dimension. */
    record Sparsity(int[] traversalOrder, int[] blockMap, List<Dim> dims) {
    }

    /**
     * A tensor: {@code typeCode} as the file says ({@link TfliteSchema.Type#of} of it null for a code the schema does not
     * define), {@code shape} as stored (NHWC for images), {@code signature} with -1 for unknown dimensions (or null),
     * {@code data} null unless the tensor is a constant.
     */
    record Tensor(int index, String name, int typeCode, int[] shape, int[] signature, long buffer, Data data, Quant quant,
                  Sparsity sparsity, boolean variable) {
        TfliteSchema.Type type() {
            return TfliteSchema.Type.of(typeCode);
        }

        /** The name shown: its first part where the converter joined several with ';', else "tensor N". */
        String shortName() {
            if (name == null || name.isEmpty()) {
                return "tensor " + index;
            }
            int semi = name.indexOf(';');
            return semi > 0 ? name.substring(0, semi) : name;
        }
    }

    /** An operator: its name (a builtin's, or a custom op's custom_code), the builtin code (CUSTOM for custom ones) and version. */
    record Op(int index, String name, int builtin, int version, int[] inputs, int[] outputs, Map<String, String> attributes) {
        boolean custom() {
            return builtin == CUSTOM;
        }
    }

    /** Reads the model table {@code model} of {@code path} ({@code fileSize} bytes, the flatbuffer being the first of them). */
    static TfliteGraph read(Path path, TfliteTable model, long fileSize) {
        long version = model.uint32(MODEL_VERSION, 0);
        TfliteTable.Vec codesVec = model.vector(MODEL_OPERATOR_CODES, 4, "the operator codes");
        List<String> codeNames = new ArrayList<>();
        List<int[]> codes = new ArrayList<>();
        for (int i = 0; i < codesVec.length(); i++) {
            TfliteTable c = model.tableAt(codesVec, i, "operator code " + i);
            int builtin = Math.max(c.int8(CODE_DEPRECATED_BUILTIN, 0), c.int32(CODE_BUILTIN, 0));
            String custom = c.string(CODE_CUSTOM, "the custom code of operator code " + i);
            codeNames.add(builtin == CUSTOM ? (custom == null || custom.isEmpty() ? "CUSTOM" : custom) : builtinName(builtin));
            codes.add(new int[] {builtin, c.int32(CODE_VERSION, 1)});
        }
        TfliteTable.Vec buffersVec = model.vector(MODEL_BUFFERS, 4, "the buffers");
        TfliteTable.Vec graphs = model.vector(MODEL_SUBGRAPHS, 4, "the subgraphs");
        if (graphs.length() == 0) {
            throw model.damaged("the model has no subgraph");
        }
        TfliteTable g = model.tableAt(graphs, 0, "subgraph 0");
        TfliteTable.Vec tensorsVec = g.vector(GRAPH_TENSORS, 4, "the tensors");
        List<Tensor> tensors = new ArrayList<>(tensorsVec.length());
        for (int i = 0; i < tensorsVec.length(); i++) {
            tensors.add(tensor(model, buffersVec, g.tableAt(tensorsVec, i, "tensor " + i), i, fileSize));
        }
        TfliteTable.Vec opsVec = g.vector(GRAPH_OPERATORS, 4, "the operators");
        List<Op> ops = new ArrayList<>(opsVec.length());
        for (int i = 0; i < opsVec.length(); i++) {
            TfliteTable o = g.tableAt(opsVec, i, "operator " + i);
            long code = o.uint32(OP_OPCODE_INDEX, 0);
            if (code >= codes.size()) {
                throw model.damaged("operator " + i + " names operator code " + code + " of " + codes.size());
            }
            int builtin = codes.get((int) code)[0];
            ops.add(new Op(i, codeNames.get((int) code), builtin, codes.get((int) code)[1], o.ints(OP_INPUTS, "the inputs of operator " + i),
                    o.ints(OP_OUTPUTS, "the outputs of operator " + i), TfliteOptions.attributes(o, builtin)));
        }
        Map<String, String> props = new LinkedHashMap<>();
        String graphName = g.string(GRAPH_NAME, "the subgraph's name");
        if (graphName != null && !graphName.isEmpty()) {
            props.put("subgraph", graphName);
        }
        TfliteTable.Vec meta = model.vector(MODEL_METADATA, 4, "the metadata");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < meta.length() && i < 32; i++) {
            names.add(String.valueOf(model.tableAt(meta, i, "metadata " + i).string(METADATA_NAME, "a metadata name")));
        }
        if (!names.isEmpty()) {
            props.put("metadata", String.join(", ", names) + (meta.length() > names.size() ? ", ..." : ""));
        }
        TfliteTable.Vec sigs = model.vector(MODEL_SIGNATURE_DEFS, 4, "the signatures");
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < sigs.length() && i < 32; i++) {
            keys.add(String.valueOf(model.tableAt(sigs, i, "signature " + i).string(SIGNATURE_KEY, "a signature key")));
        }
        if (!keys.isEmpty()) {
            props.put("signatures", String.join(", ", keys));
        }
        return new TfliteGraph(version, graphs.length(), model.string(MODEL_DESCRIPTION, "the description"), tensors, ops,
                g.ints(GRAPH_INPUTS, "the subgraph's inputs"), g.ints(GRAPH_OUTPUTS, "the subgraph's outputs"), props);
    }

    private static Tensor tensor(TfliteTable model, TfliteTable.Vec buffers, TfliteTable t, int i, long fileSize) {
        String of = "tensor " + i;
        int[] shape = t.ints(TENSOR_SHAPE, "the shape of " + of);
        int[] signature = t.has(TENSOR_SHAPE_SIGNATURE) ? t.ints(TENSOR_SHAPE_SIGNATURE, "the shape signature of " + of) : null;
        long buffer = t.uint32(TENSOR_BUFFER, 0);
        if (buffer >= buffers.length() && buffer != 0) {
            throw model.damaged(of + " names buffer " + buffer + " of " + buffers.length());
        }
        Data data = null;
        if (buffer != 0) {
            TfliteTable b = model.tableAt(buffers, (int) buffer, "buffer " + buffer);
            TfliteTable.Vec bytes = b.vector(BUFFER_DATA, 1, "the bytes of buffer " + buffer);
            long offset = b.uint64(BUFFER_OFFSET, 0), size = b.uint64(BUFFER_SIZE, 0);
            if (bytes.length() > 0) {
                data = new Data(bytes.start(), bytes.length());
            } else if (offset > 1) { // the format's data outside the flatbuffer, for files over 2 GB
                if (size < 0 || offset < 0 || offset > fileSize || size > fileSize - offset) {
                    throw model.damaged("buffer " + buffer + " (of " + of + ") declares " + Long.toUnsignedString(size) + " bytes at byte "
                            + Long.toUnsignedString(offset) + ", outside the file's " + fileSize);
                }
                data = size > 0 ? new Data(offset, size) : null;
            }
        }
        TfliteTable q = t.table(TENSOR_QUANTIZATION, "the quantization of " + of);
        Quant quant = null;
        if (q != null) {
            float[] scale = q.floats(QUANT_SCALE, "the scales of " + of);
            if (scale.length > 0) {
                quant = new Quant(scale, q.longs(QUANT_ZERO_POINT, "the zero points of " + of), q.int32(QUANT_DIMENSION, 0));
            }
        }
        TfliteTable s = t.table(TENSOR_SPARSITY, "the sparsity of " + of);
        return new Tensor(i, t.string(TENSOR_NAME, "the name of " + of), t.int8(TENSOR_TYPE, 0), shape, signature, buffer, data, quant,
                s == null ? null : sparsity(s, of), t.uint8(TENSOR_IS_VARIABLE, 0) != 0);
    }

    private static Sparsity sparsity(TfliteTable s, String of) {
        TfliteTable.Vec dimsVec = s.vector(SPARSITY_DIM_METADATA, 4, "the sparse dimensions of " + of);
        List<Dim> dims = new ArrayList<>(dimsVec.length());
        for (int i = 0; i < dimsVec.length(); i++) {
            TfliteTable d = s.tableAt(dimsVec, i, "sparse dimension " + i + " of " + of);
            boolean sparse = d.int8(DIM_FORMAT, 0) == 1;
            dims.add(new Dim(sparse, d.int32(DIM_DENSE_SIZE, 0), sparse ? indexVector(d, DIM_SEGMENTS_TYPE, DIM_SEGMENTS, of) : null,
                    sparse ? indexVector(d, DIM_INDICES_TYPE, DIM_INDICES, of) : null));
        }
        return new Sparsity(s.ints(SPARSITY_TRAVERSAL_ORDER, "the traversal order of " + of), s.ints(SPARSITY_BLOCK_MAP,
                "the block map of " + of), dims);
    }

    /** A SparseIndexVector union (Int32Vector, Uint16Vector or Uint8Vector) as ints. */
    private static int[] indexVector(TfliteTable d, int typeSlot, int valueSlot, String of) {
        int type = d.uint8(typeSlot, 0);
        TfliteTable v = d.table(valueSlot, "the sparse indices of " + of);
        if (v == null || type < 1 || type > 3) {
            throw d.damaged("a compressed dimension of " + of + " has no index vector it can read (type " + type + ")");
        }
        int width = type == 1 ? 4 : type == 2 ? 2 : 1;
        TfliteTable.Vec vec = v.vector(INDEX_VECTOR_VALUES, width, "the sparse indices of " + of);
        ByteBuffer bb = v.buffer();
        v.charge(4L * vec.length());
        int[] out = new int[vec.length()];
        for (int i = 0; i < out.length; i++) {
            int at = vec.start() + i * width;
            out[i] = width == 4 ? bb.getInt(at) : width == 2 ? bb.getShort(at) & 0xFFFF : bb.get(at) & 0xFF;
        }
        return out;
    }
}
