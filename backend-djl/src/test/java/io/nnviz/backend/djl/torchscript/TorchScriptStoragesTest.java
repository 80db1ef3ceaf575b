package io.nnviz.backend.djl.torchscript;

import io.nnviz.NNViz;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.ModelView;
import io.nnviz.backend.djl.torchscript.StoredZip.Item;
import io.nnviz.testkit.ByteEdits;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.nnviz.backend.djl.torchscript.HostileCode.DATA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 27: what a TorchScript pickle's tensors declare is checked against the bytes of their
 * storages before libtorch reads the file. Each case edits the real fixture's {@code data.pkl}
 * (its first tensor, {@code conv.weight}: storage 0 of 36 floats seen as [4, 1, 3, 3] with strides
 * [9, 9, 3, 1]).
 */
@Tag("natives")
class TorchScriptStoragesTest {
    /** BININT1 36, TUPLE, BINPERSID: the element count storage 0 declares. */
    private static final byte[] NUMEL = {'K', 36, 't', 'Q'};
    /** The shape tuple (4, 1, 3, 3) and the strides (9, 9, 3, 1) of conv.weight. */
    private static final byte[] VIEW = {'(', 'K', 4, 'K', 1, 'K', 3, 'K', 3, 't', '(', 'K', 9, 'K', 9, 'K', 3, 'K', 1, 't'};

    static List<Item> fixture;
    static byte[] data;

    @TempDir
    Path dir;

    @BeforeAll
    static void readFixture() throws Exception {
        fixture = StoredZip.smallCnn();
        data = fixture.stream().filter(i -> i.name().equals(DATA)).findFirst().orElseThrow().data();
    }

    private Path edited(String name, byte[] pattern, int at, byte... replacement) throws Exception {
        byte[] b = data.clone();
        int i = ByteEdits.find(b, pattern);
        System.arraycopy(replacement, 0, b, i + at, replacement.length);
        return StoredZip.write(dir.resolve(name), StoredZip.replaced(fixture, DATA, b));
    }

    @Test
    void aStorageDeclaringMoreWeightsThanItsEntryHoldsIsRefused() throws Exception {
        Path p = edited("numel.pt", NUMEL, 1, (byte) 200);
        HostileTorchScriptTest.refusal(p, "its 'small_cnn/data.pkl' storage '0' declares 200 weights, holds 36");
    }

    @Test
    void aViewReachingPastItsStorageIsRefused() throws Exception {
        Path p = edited("view.pt", VIEW, 2, (byte) 5);
        HostileTorchScriptTest.refusal(p, "has a tensor of shape [5, 1, 3, 3] that reaches element 44 of storage '0', which holds 36");
    }

    /** Strides of 0 let 36 floats back a view of 255^4 elements: 16 GiB once copied out dense. */
    @Test
    void viewsDeclaringMoreThanTheBudgetAreRefusedAtOnce() throws Exception {
        Path p = edited("strides.pt", VIEW, 0, new byte[] {'(', 'K', (byte) 255, 'K', (byte) 255, 'K', (byte) 255, 'K', (byte) 255, 't',
                '(', 'K', 0, 'K', 0, 'K', 0, 'K', 0, 't'});
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> NNViz.load(p, LoadOptions.defaults().memoryBudget(1L << 30)).close());
        assertInstanceOf(ModelTooLargeException.class, e, e.getMessage());
        long held = fixture.stream().filter(i -> i.name().startsWith("small_cnn/data/")).mapToLong(i -> i.data().length).sum();
        long others = held / 4 - 36; // the fixture's other tensors are dense views of their whole storages
        assertTrue(e.getMessage().contains("its tensors (" + (255L * 255 * 255 * 255 + others) + " weights, where the file holds " + held
                + " bytes of storage) declares 15.8 GiB, the budget is 1.0 GiB"), e.getMessage());
    }

    @Test
    void aPersistentIdThatIsNotAStorageIsRefused() throws Exception {
        Path p = edited("pid.pt", "storage".getBytes(StandardCharsets.US_ASCII), 0, "stoRage".getBytes(StandardCharsets.US_ASCII));
        HostileTorchScriptTest.refusal(p, "points at data outside it in a way PyTorch does not");
    }

    @Test
    void aValueLongerThanThePickleIsRefusedBeforeItIsAllocated() throws Exception {
        // BINUNICODE 'training' (8 bytes) re-declared 2^31-1 bytes long
        byte[] b = data.clone();
        int at = ByteEdits.find(b, new byte[] {'X', 8, 0, 0, 0, 't', 'r'});
        System.arraycopy(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0x7F}, 0, b, at + 1, 4);
        net.razorvine.pickle.PickleException e = assertThrows(net.razorvine.pickle.PickleException.class, () -> PlainPickle.read(b));
        assertTrue(e.getMessage().startsWith("a value declares 2147483647 bytes where " + (b.length - at - 5) + " are left"), e.getMessage());
        HostileTorchScriptTest.refusal(StoredZip.write(dir.resolve("long.pt"), StoredZip.replaced(fixture, DATA, b)),
                "its 'small_cnn/data.pkl' declares 2147483647 bytes past its end");
    }

    @Test
    void theUneditedFixtureLoadsWithItsWeights() throws Exception {
        try (ModelView m = NNViz.load(StoredZip.write(dir.resolve("copy.pt"), fixture))) {
            assertEquals(4 * 9 + 4, m.layers().stream().filter(l -> l.name().equals("conv")).findFirst().orElseThrow().parameterCount());
        }
    }

    /** Reading a pickle names what it would call and calls nothing: here {@code os.system("touch <file>")}. */
    @Test
    void aPickleThatWouldRunACommandIsReadAsData() throws Exception {
        Path touched = dir.resolve("touched");
        byte[] arg = ("touch " + touched).getBytes(StandardCharsets.US_ASCII);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x80, 2});
        out.write("cos\nsystem\n".getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[] {'X', (byte) arg.length, 0, 0, 0});
        out.write(arg);
        out.write(new byte[] {(byte) 0x85, 'R', '.'}); // TUPLE1, REDUCE, STOP
        Object v = PlainPickle.read(out.toByteArray());
        PlainPickle.Call c = assertInstanceOf(PlainPickle.Call.class, v);
        assertEquals("os.system", c.name());
        assertEquals(List.of("touch " + touched), c.args);
        assertFalse(Files.exists(touched));
    }
}
