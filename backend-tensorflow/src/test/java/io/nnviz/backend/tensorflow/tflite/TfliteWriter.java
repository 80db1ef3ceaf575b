package io.nnviz.backend.tensorflow.tflite;

import com.google.flatbuffers.FlatBufferBuilder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small TFLite files for tests, written with flatbuffers' own builder to the schema's layout (a
 * model of one subgraph; each constant with a buffer of its own; the operator codes the operators
 * name). Setters return this; {@link #build()} gives the file's bytes.
 */
final class TfliteWriter {
    static final int FLOAT32 = 0, FLOAT16 = 1, INT32 = 2, UINT8 = 3, INT8 = 9;
    static final int ADD = 0, CONV_2D = 3, DEPTHWISE_CONV_2D = 4, DEQUANTIZE = 6, FULLY_CONNECTED = 9, RELU = 19, CUSTOM = 32;

    private record T(String name, int type, int[] shape, byte[] data, float[] scale, long[] zero, int axis, long[] external) {
    }

    private record Op(int code, String custom, int[] in, int[] out) {
    }

    private final List<T> tensors = new ArrayList<>();
    private final List<Op> ops = new ArrayList<>();
    private int[] inputs = {0}, outputs = {};
    private int version = 3;
    private int repeat;

    /** An activation tensor (no data); returns its index. */
    int tensor(String name, int type, int... shape) {
        tensors.add(new T(name, type, shape, null, null, null, 0, null));
        return tensors.size() - 1;
    }

    /** A constant with the given little-endian bytes; returns its index. */
    int constant(String name, int type, byte[] data, int... shape) {
        tensors.add(new T(name, type, shape, data, null, null, 0, null));
        return tensors.size() - 1;
    }

    int floats(String name, float[] values, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return constant(name, FLOAT32, b.array(), shape);
    }

    /** A quantized constant: its integer bytes with scales and zero points along {@code axis}. */
    int quantized(String name, int type, byte[] data, float[] scale, long[] zero, int axis, int... shape) {
        tensors.add(new T(name, type, shape, data, scale, zero, axis, null));
        return tensors.size() - 1;
    }

    /** A constant whose bytes the buffer says are outside the flatbuffer, at {@code offset} in the file. */
    int external(String name, int type, long offset, long size, int... shape) {
        tensors.add(new T(name, type, shape, null, null, null, 0, new long[] {offset, size}));
        return tensors.size() - 1;
    }

    TfliteWriter op(int code, int[] in, int... out) {
        ops.add(new Op(code, null, in, out));
        return this;
    }

    TfliteWriter custom(String name, int[] in, int... out) {
        ops.add(new Op(CUSTOM, name, in, out));
        return this;
    }

    TfliteWriter io(int[] in, int[] out) {
        inputs = in;
        outputs = out;
        return this;
    }

    /** The subgraph's tensors vector names tensor 0's table {@code n} more times after the tensors (a hostile file's trick). */
    TfliteWriter repeatFirstTensor(int n) {
        repeat = n;
        return this;
    }

    TfliteWriter version(int v) {
        version = v;
        return this;
    }

    byte[] build() {
        FlatBufferBuilder b = new FlatBufferBuilder(1024);
        List<Integer> buffers = new ArrayList<>();
        b.startTable(3);
        buffers.add(b.endTable()); // buffer 0: empty, as the format wants
        int[] bufferOf = new int[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            T t = tensors.get(i);
            if (t.data() == null && t.external() == null) {
                continue;
            }
            int data = 0;
            if (t.data() != null) {
                b.startVector(1, t.data().length, 16);
                for (int j = t.data().length - 1; j >= 0; j--) {
                    b.addByte(t.data()[j]);
                }
                data = b.endVector();
            }
            b.startTable(3);
            if (t.data() != null) {
                b.addOffset(0, data, 0);
            } else {
                b.addLong(1, t.external()[0], 0);
                b.addLong(2, t.external()[1], 0);
            }
            buffers.add(b.endTable());
            bufferOf[i] = buffers.size() - 1;
        }
        int[] tensorOffsets = new int[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            T t = tensors.get(i);
            int name = b.createString(t.name());
            int shape = ints(b, t.shape());
            int quant = 0;
            if (t.scale() != null) {
                b.startVector(4, t.scale().length, 4);
                for (int j = t.scale().length - 1; j >= 0; j--) {
                    b.addFloat(t.scale()[j]);
                }
                int scale = b.endVector();
                b.startVector(8, t.zero().length, 8);
                for (int j = t.zero().length - 1; j >= 0; j--) {
                    b.addLong(t.zero()[j]);
                }
                int zero = b.endVector();
                b.startTable(7);
                b.addOffset(2, scale, 0);
                b.addOffset(3, zero, 0);
                b.addInt(6, t.axis(), 0);
                quant = b.endTable();
            }
            b.startTable(8);
            b.addOffset(0, shape, 0);
            b.addByte(1, (byte) t.type(), 0);
            b.addInt(2, bufferOf[i], 0);
            b.addOffset(3, name, 0);
            if (quant != 0) {
                b.addOffset(4, quant, 0);
            }
            tensorOffsets[i] = b.endTable();
        }
        Map<String, Integer> codeIndex = new LinkedHashMap<>();
        List<Integer> codes = new ArrayList<>();
        int[] opOffsets = new int[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            String key = op.code() + ":" + op.custom();
            if (!codeIndex.containsKey(key)) {
                int custom = op.custom() == null ? 0 : b.createString(op.custom());
                b.startTable(4);
                b.addByte(0, (byte) Math.min(op.code(), 127), 0);
                if (custom != 0) {
                    b.addOffset(1, custom, 0);
                }
                b.addInt(2, 1, 1);
                b.addInt(3, op.code(), 0);
                codes.add(b.endTable());
                codeIndex.put(key, codes.size() - 1);
            }
            int in = ints(b, op.in()), out = ints(b, op.out());
            b.startTable(13);
            b.addInt(0, codeIndex.get(key), 0);
            b.addOffset(1, in, 0);
            b.addOffset(2, out, 0);
            opOffsets[i] = b.endTable();
        }
        int[] named = Arrays.copyOf(tensorOffsets, tensorOffsets.length + repeat);
        Arrays.fill(named, tensorOffsets.length, named.length, tensorOffsets[0]);
        int tensorVec = b.createVectorOfTables(named);
        int in = ints(b, inputs), out = ints(b, outputs);
        int opVec = b.createVectorOfTables(opOffsets);
        int graphName = b.createString("main");
        b.startTable(5);
        b.addOffset(0, tensorVec, 0);
        b.addOffset(1, in, 0);
        b.addOffset(2, out, 0);
        b.addOffset(3, opVec, 0);
        b.addOffset(4, graphName, 0);
        int graph = b.endTable();
        int graphs = b.createVectorOfTables(new int[] {graph});
        int codeVec = b.createVectorOfTables(codes.stream().mapToInt(Integer::intValue).toArray());
        int bufferVec = b.createVectorOfTables(buffers.stream().mapToInt(Integer::intValue).toArray());
        int description = b.createString("written by a test");
        b.startTable(8);
        b.addInt(0, version, 0);
        b.addOffset(1, codeVec, 0);
        b.addOffset(2, graphs, 0);
        b.addOffset(3, description, 0);
        b.addOffset(4, bufferVec, 0);
        b.finish(b.endTable(), "TFL3");
        return b.sizedByteArray();
    }

    private static int ints(FlatBufferBuilder b, int[] v) {
        b.startVector(4, v.length, 4);
        for (int j = v.length - 1; j >= 0; j--) {
            b.addInt(v[j]);
        }
        return b.endVector();
    }

    static byte[] halves(float... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putShort(half(f));
        }
        return b.array();
    }

    /** A float exactly representable as a normal half (or zero) in IEEE binary16 bits. */
    private static short half(float f) {
        if (f == 0) {
            return 0;
        }
        int bits = Float.floatToIntBits(f);
        int exp = ((bits >>> 23) & 0xFF) - 127 + 15;
        return (short) ((bits >>> 16 & 0x8000) | exp << 10 | (bits & 0x7FFFFF) >>> 13);
    }
}
