package io.nnviz.backend.djl.checkpoint;

import io.nnviz.NNViz;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 29 with #27's rules, for the legacy torch.save stream: counts past the file and key lists that
 * do not match the object's storages are refused in one line, and a pickle that calls os.system is
 * read as data: nothing runs.
 */
@Timeout(30)
class HostileLegacyCheckpointTest {
    @TempDir
    Path dir;

    /** The three pickles torch.save's legacy format starts with: the magic number, protocol 1001, an empty system-info dict. */
    private static ByteArrayOutputStream start() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
                (byte) 0xa8, 0x50, 0x19, '.'});
        out.writeBytes(new byte[] {(byte) 0x80, 0x02, 'M', (byte) 0xe9, 0x03, '.'});
        out.writeBytes(new byte[] {(byte) 0x80, 0x02, '}', '.'});
        return out;
    }

    private static void text(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
    }

    private static void global(ByteArrayOutputStream out, String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** {"fc.weight": _rebuild_tensor_v2(storage key "0" of {@code numel} floats, 0, (n,), (1,), False, OrderedDict())}. */
    private static void stateDict(ByteArrayOutputStream out, String key, int numel, int n) {
        out.writeBytes(new byte[] {(byte) 0x80, 0x02, '}'});
        text(out, "fc.weight");
        global(out, "torch._utils", "_rebuild_tensor_v2");
        out.write('(');
        out.write('(');
        text(out, "storage");
        global(out, "torch", "FloatStorage");
        text(out, key);
        text(out, "cpu");
        out.writeBytes(new byte[] {'K', (byte) numel, 'N', 't', 'Q', 'K', 0, 'K', (byte) n, (byte) 0x85, 'K', 1, (byte) 0x85, (byte) 0x89});
        global(out, "collections", "OrderedDict");
        out.writeBytes(new byte[] {')', 'R', 't', 'R', 's', '.'});
    }

    private static void keys(ByteArrayOutputStream out, String... keys) {
        out.writeBytes(new byte[] {(byte) 0x80, 0x02, ']', '('});
        for (String k : keys) {
            text(out, k);
        }
        out.writeBytes(new byte[] {'e', '.'});
    }

    private static void storage(ByteArrayOutputStream out, long count, float... values) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(count).array());
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        out.writeBytes(b.array());
    }

    private Path write(String name, ByteArrayOutputStream out) throws IOException {
        return Files.write(dir.resolve(name), out.toByteArray());
    }

    private void refusal(Path p, String says) {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> NNViz.load(p).close());
        assertTrue(e.getMessage().contains(says), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aWellFormedLegacyFileOpensWithItsValues() throws Exception {
        ByteArrayOutputStream out = start();
        stateDict(out, "0", 3, 3);
        keys(out, "0");
        storage(out, 3, 1.5f, -2f, 4f);
        try (ModelView m = NNViz.load(write("ok.pth", out))) {
            assertEquals(3, m.parameterCount());
            assertArrayEquals(new float[] {1.5f, -2f, 4f}, m.weights("fc").get(0).values().toArray());
        }
    }

    @Test
    void countsPastTheFileAndKeysThatDoNotMatchAreRefused() throws Exception {
        ByteArrayOutputStream past = start();
        stateDict(past, "0", 3, 3);
        keys(past, "0");
        storage(past, 1L << 40, 1, 2, 3);
        refusal(write("past.pth", past), "storage '0' declares 1099511627776 elements");
        ByteArrayOutputStream other = start();
        stateDict(other, "0", 3, 3);
        keys(other, "7");
        storage(other, 3, 1, 2, 3);
        refusal(write("keys.pth", other), "lists storage keys '[7]', where its object names storages '[0]'");
        ByteArrayOutputStream twice = start();
        stateDict(twice, "0", 3, 3);
        keys(twice, "0", "0");
        storage(twice, 3, 1, 2, 3);
        refusal(write("twice.pth", twice), "lists storage keys '[0, 0]'");
        ByteArrayOutputStream view = start();
        stateDict(view, "0", 3, 9);
        keys(view, "0");
        storage(view, 3, 1, 2, 3);
        refusal(write("view.pth", view), "reaches element 8 of storage '0', which holds 3");
        ByteArrayOutputStream cut = start();
        stateDict(cut, "0", 3, 3);
        refusal(write("cut.pth", cut), "pickles PyTorch does not read");
    }

    @Test
    void aPickleCallingOsSystemIsReadAsDataAndNothingRuns() throws Exception {
        Path marker = dir.resolve("ran");
        ByteArrayOutputStream out = start();
        out.writeBytes(new byte[] {(byte) 0x80, 0x02});
        global(out, "os", "system");
        text(out, "touch " + marker);
        out.writeBytes(new byte[] {(byte) 0x85, 'R', '.'});
        keys(out);
        refusal(write("system.pth", out), "without a model's parameters");
        assertFalse(Files.exists(marker), "nothing in the file ran");
    }
}
