package io.nnviz.backend.tensorflow.tflite;

import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.ModelView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 29 with #27's rules: a TFLite file is data. What it declares past its bytes, a buffer outside
 * the file, a shape its bytes do not fill, an operator reading its own output or a later one's, an
 * enormous shape: each refused at once in one line naming what is wrong, never an exception of
 * another kind, a crash or a hang, whatever byte of the file is changed or wherever it is cut.
 */
class HostileTfliteTest {
    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    private String refusal(Path p, String says) {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> NNViz.load(p).close());
        assertTrue(e.getMessage().contains(says), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    /** input -> CONV_2D (float32 kernel and bias) -> RELU: the file the mutations start from. */
    static byte[] small() {
        TfliteWriter w = new TfliteWriter();
        int x = w.tensor("input", TfliteWriter.FLOAT32, 1, 3, 3, 1);
        int k = w.floats("conv/kernel", new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2, 1);
        int b = w.floats("conv/bias", new float[] {0.5f, -0.5f}, 2);
        int y = w.tensor("conv/Conv2D", TfliteWriter.FLOAT32, 1, 2, 2, 2);
        int r = w.tensor("relu", TfliteWriter.FLOAT32, 1, 2, 2, 2);
        return w.op(TfliteWriter.CONV_2D, new int[] {x, k, b}, y).op(TfliteWriter.RELU, new int[] {y}, r).io(new int[] {x}, new int[] {r}).build();
    }

    @Test
    void aTruncatedFileIsRefusedWhereverItIsCut() throws Exception {
        byte[] ok = small();
        try (ModelView m = NNViz.load(write("ok.tflite", ok))) {
            assertTrue(m.parameterCount() == 10, m.toString());
        }
        refusal(write("half.tflite", Arrays.copyOf(ok, ok.length / 2)), "truncated or damaged");
        for (int n = 8; n < ok.length; n++) { // every cut keeps the identifier, so the file gate still hands it to the reader
            Path p = write("cut.tflite", Arrays.copyOf(ok, n));
            assertOpensOrRefusesInOneLine(p);
        }
    }

    @Test
    void aVectorLongerThanTheFileIsRefused() throws Exception {
        TfliteWriter w = new TfliteWriter();
        int x = w.tensor("input", TfliteWriter.FLOAT32, 3, 777_777, 5);
        w.op(TfliteWriter.RELU, new int[] {x}, w.tensor("relu", TfliteWriter.FLOAT32, 3)).io(new int[] {x}, new int[] {1});
        byte[] b = w.build();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 4; i + 12 <= b.length; i += 4) { // the shape [3, 777777, 5]: its length is the int before it
            if (bb.getInt(i) == 3 && bb.getInt(i + 4) == 777_777 && bb.getInt(i + 8) == 5) {
                bb.putInt(i - 4, 0x4000_0000);
            }
        }
        refusal(write("long.tflite", b), "declares 1073741824 elements of 4 bytes");
    }

    @Test
    void aBufferOutsideTheFileIsRefused() throws Exception {
        TfliteWriter w = new TfliteWriter();
        int x = w.tensor("input", TfliteWriter.FLOAT32, 1, 4);
        int k = w.external("fc/weights", TfliteWriter.FLOAT32, 1L << 40, 16, 2, 2);
        w.op(TfliteWriter.FULLY_CONNECTED, new int[] {x, k}, w.tensor("fc", TfliteWriter.FLOAT32, 1, 2)).io(new int[] {x}, new int[] {2});
        refusal(write("outside.tflite", w.build()), "declares 16 bytes at byte 1099511627776, outside the file's");
    }

    @Test
    void aShapeItsBytesDoNotFillIsRefused() throws Exception {
        TfliteWriter w = new TfliteWriter();
        int x = w.tensor("input", TfliteWriter.FLOAT32, 1, 2);
        int k = w.constant("fc/weights", TfliteWriter.FLOAT32, new byte[12], 2, 2);
        w.op(TfliteWriter.FULLY_CONNECTED, new int[] {x, k}, w.tensor("fc", TfliteWriter.FLOAT32, 1, 2)).io(new int[] {x}, new int[] {2});
        refusal(write("short.tflite", w.build()), "'fc/weights' declares shape [2, 2] of float32 (16 bytes), but its buffer holds 12 bytes");
    }

    @Test
    void anOperatorReadingItsOwnOutputOrALaterOnesIsRefused() throws Exception {
        TfliteWriter self = new TfliteWriter();
        int x = self.tensor("input", TfliteWriter.FLOAT32, 1, 2);
        int y = self.tensor("loop", TfliteWriter.FLOAT32, 1, 2);
        self.op(TfliteWriter.ADD, new int[] {x, y}, y).io(new int[] {x}, new int[] {y});
        refusal(write("self.tflite", self.build()), "reads tensor 1 'loop', its own output: the graph has a cycle");
        TfliteWriter cycle = new TfliteWriter();
        int in = cycle.tensor("input", TfliteWriter.FLOAT32, 1, 2);
        int a = cycle.tensor("a", TfliteWriter.FLOAT32, 1, 2), b = cycle.tensor("b", TfliteWriter.FLOAT32, 1, 2);
        cycle.op(TfliteWriter.ADD, new int[] {in, b}, a).op(TfliteWriter.ADD, new int[] {a, in}, b).io(new int[] {in}, new int[] {b});
        refusal(write("cycle.tflite", cycle.build()), "reads tensor 2 'b', which operator 1 writes after it");
        TfliteWriter twice = new TfliteWriter();
        int i2 = twice.tensor("input", TfliteWriter.FLOAT32, 1, 2), o2 = twice.tensor("o", TfliteWriter.FLOAT32, 1, 2);
        twice.op(TfliteWriter.RELU, new int[] {i2}, o2).op(TfliteWriter.RELU, new int[] {i2}, o2).io(new int[] {i2}, new int[] {o2});
        refusal(write("twice.tflite", twice.build()), "writes tensor 1, which operator 0 writes too");
        TfliteWriter missing = new TfliteWriter();
        int i3 = missing.tensor("input", TfliteWriter.FLOAT32, 1, 2);
        missing.op(TfliteWriter.RELU, new int[] {i3, 99}, missing.tensor("o", TfliteWriter.FLOAT32, 1, 2)).io(new int[] {i3}, new int[] {1});
        refusal(write("missing.tflite", missing.build()), "reads tensor 99 of 2");
    }

    @Test
    void anEnormousShapeIsRefusedAndParametersOverTheBudgetAreTooLarge() throws Exception {
        TfliteWriter w = new TfliteWriter();
        int x = w.tensor("input", TfliteWriter.FLOAT32, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);
        w.op(TfliteWriter.RELU, new int[] {x}, w.tensor("relu", TfliteWriter.FLOAT32, 1)).io(new int[] {x}, new int[] {1});
        refusal(write("huge.tflite", w.build()), "more than 2^63 elements");
        TfliteWriter c = new TfliteWriter();
        int in = c.tensor("input", TfliteWriter.FLOAT32, 1, 2);
        int k = c.constant("fc/weights", TfliteWriter.FLOAT32, new byte[8], 65_536, 65_536);
        c.op(TfliteWriter.FULLY_CONNECTED, new int[] {in, k}, c.tensor("fc", TfliteWriter.FLOAT32, 1, 2)).io(new int[] {in}, new int[] {2});
        refusal(write("lie.tflite", c.build()), "declares shape [65536, 65536] of float32 (17179869184 bytes), but its buffer holds 8 bytes");
        // 2^28 float32 values (1 GiB) the file holds after its flatbuffer, as a model over 2 GB keeps them; the budget is 64 MiB
        TfliteWriter big = new TfliteWriter();
        int i = big.tensor("input", TfliteWriter.FLOAT32, 1, 16_384);
        int kb = big.external("fc/weights", TfliteWriter.FLOAT32, 4096, 1L << 30, 16_384, 16_384);
        big.op(TfliteWriter.FULLY_CONNECTED, new int[] {i, kb}, big.tensor("fc", TfliteWriter.FLOAT32, 1, 16_384)).io(new int[] {i}, new int[] {2});
        Path p = dir.resolve("big.tflite");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(big.build()));
            ch.write(ByteBuffer.allocate(1), 4096 + (1L << 30) - 1); // sparse: no gigabyte written
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> NNViz.load(p, LoadOptions.defaults().memoryBudget(64L << 20)).close());
        assertInstanceOf(ModelTooLargeException.class, e, e.getMessage());
        assertTrue(e.getMessage().contains("its parameters, dequantized to float32, declares 1.0 GiB"), e.getMessage());
    }

    @Test
    void aTableNamedOverAndOverIsHeldToTheBudget() throws Exception {
        // 200,000 tensors that are one table with a 60,000-character name: 800 KB of file, 36 GB if each were read anew
        TfliteWriter w = new TfliteWriter().repeatFirstTensor(200_000);
        int x = w.tensor("n".repeat(60_000), TfliteWriter.FLOAT32, 1, 2);
        w.op(TfliteWriter.RELU, new int[] {x}, w.tensor("relu", TfliteWriter.FLOAT32, 1, 2)).io(new int[] {x}, new int[] {1});
        Path p = write("again.tflite", w.build());
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> NNViz.load(p, LoadOptions.defaults().memoryBudget(64L << 20)).close());
        assertInstanceOf(ModelTooLargeException.class, e, e.getMessage());
        assertTrue(e.getMessage().contains("counting each time a table, string or vector is named"), e.getMessage());
    }

    @Test
    void anotherSchemaVersionOrAnUnknownTypeIsRefused() throws Exception {
        TfliteWriter w = new TfliteWriter().version(2);
        int x = w.tensor("input", TfliteWriter.FLOAT32, 1);
        w.op(TfliteWriter.RELU, new int[] {x}, w.tensor("relu", TfliteWriter.FLOAT32, 1)).io(new int[] {x}, new int[] {1});
        refusal(write("v2.tflite", w.build()), "its TFLite schema version is 2");
        TfliteWriter t = new TfliteWriter();
        int y = t.tensor("input", 99, 1);
        t.op(TfliteWriter.RELU, new int[] {y}, t.tensor("relu", TfliteWriter.FLOAT32, 1)).io(new int[] {y}, new int[] {1});
        refusal(write("type.tflite", t.build()), "has type 99, which the TFLite schema does not define");
    }

    @Test
    void everyChangedByteOpensOrIsRefusedInOneLine() {
        byte[] ok = small();
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            for (int i = 8; i < ok.length; i++) { // the identifier kept: the reader, not the file gate, must say what is wrong
                for (int v : new int[] {0x00, 0xFF, 0x7F, 0x80, ok[i] + 1, ok[i] ^ 0x40}) {
                    byte[] b = ok.clone();
                    b[i] = (byte) v;
                    assertOpensOrRefusesInOneLine(write("mutant.tflite", b));
                }
            }
        });
    }

    /** The file opens (and then its weights read) or is refused with a ModelLoadException of one line; nothing else. */
    private static void assertOpensOrRefusesInOneLine(Path p) {
        try (ModelView m = NNViz.load(p)) {
            m.properties();
            for (LayerInfo l : m.layers()) {
                m.weights(l.id());
            }
        } catch (ModelLoadException e) {
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }
}
