package io.nnviz.backend.djl.torchscript;

import io.nnviz.api.ModelLoadException;
import io.nnviz.backend.djl.torchscript.HostileCode.Shape;
import io.nnviz.backend.djl.torchscript.StoredZip.Item;
import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The nesting measures of issue 27 on their own (no native code): what libtorch recurses on is
 * counted at least once per level, what it does not recurse on (a long run of statements, many
 * methods that return) is not, and real code and pickles stay far under the bounds.
 */
class TorchScriptNestingTest {
    private static final Path FILE = Path.of("test.pt");
    private static List<Item> fixture;

    @BeforeAll
    static void readFixture() throws Exception {
        fixture = StoredZip.smallCnn();
    }

    private static TorchScriptCode.Nesting code(String source) {
        return TorchScriptCode.measure(source.getBytes(StandardCharsets.UTF_8), 1_000_000);
    }

    private static int forward(String body) {
        return TorchScriptCode.measure(HostileCode.module(fixture, body), 1_000_000).depth();
    }

    /**
     * 300 levels, two thirds of what crashes libtorch on 1 MiB: at least 300, and at most the tokens
     * a level takes ({@code x if bool(x) else}: 3) and the frame around it.
     */
    @ParameterizedTest
    @EnumSource(Shape.class)
    void eachShapeLibtorchRecursesOnCountsAtLeastOncePerLevel(Shape shape) {
        int d = forward(shape.body(300));
        assertTrue(d >= 300 && d <= 3 * 300 + 30, shape + ": " + d);
    }

    @Test
    void aLongRunOfStatementsOrOfMethodsThatReturnDoesNotAddUp() {
        assertTrue(forward("    x = torch.relu(x)\n".repeat(50_000) + "    return x\n") < 20);
        StringBuilder methods = new StringBuilder("class M(Module):\n");
        for (int k = 0; k < 500; k++) {
            methods.append("  def f").append(k).append("(self, x: Tensor) -> Tensor:\n    if bool(x):\n      return x\n    return x\n");
        }
        assertTrue(code(methods.toString()).depth() < 20, "each method's exits are its own: " + code(methods.toString()));
        // ifs that do not leave the block are siblings; an if that returns nests what follows it
        assertTrue(forward("    if bool(x):\n      x = x\n".repeat(500) + "    return x\n") < 20);
        assertTrue(forward(Shape.EARLY_RETURNS.body(500)) >= 500);
        // a list or call with many items is as deep as its deepest item
        assertTrue(forward("    return torch.cat([" + "x + x, ".repeat(5_000) + "x])\n") < 20);
    }

    @Test
    void stringsCommentsAndNumbersDoNotCount() {
        String s = "def f(x: Tensor) -> Tensor:\n"
                + "  \"\"\"((((((((\n  [[[[[[ -1e-5 ** \"\"\"\n"
                + "  y = '(((((((((' + \"[[[[[[[\\\" ((((((\"  # ((((((((((\n"
                + "  z = 1.5e-3 - 0x1F + 2.0E+7\n"
                + "  return x\n";
        assertTrue(code(s).depth() < 6, code(s).toString());
    }

    @Test
    void theLineGivenIsWhereTheDeepestStatementStarts() {
        String s = "def f(x: Tensor) -> Tensor:\n  y = x\n\n  # a comment\n  z = torch.add(\n    x,\n    " + "(".repeat(300) + "x"
                + ")".repeat(300) + ")\n  return z\n";
        TorchScriptCode.Nesting n = code(s);
        assertEquals(5, n.line());
        assertTrue(n.depth() >= 300, n.toString());
        // stops early, past the limit, on the same line
        TorchScriptCode.Nesting early = TorchScriptCode.measure(s.getBytes(StandardCharsets.UTF_8), 200);
        assertTrue(early.depth() > 200 && early.line() == 5, early.toString());
    }

    @Test
    void theFixturesCodeAndPicklesAreFarUnderTheBounds() throws Exception {
        for (Item i : fixture) {
            if (i.name().endsWith(".py")) {
                int d = code(new String(i.data(), StandardCharsets.UTF_8)).depth();
                assertTrue(d >= 2 && d <= 20, i.name() + ": " + d);
            } else if (i.name().endsWith("pkl")) {
                int d = TorchScriptPickles.depth(FILE, i.name(), i.data(), 1_000_000);
                assertTrue(d >= 1 && d <= 20, i.name() + ": " + d);
            }
        }
    }

    /** The corpus's TorchScript files, traced by their makers: code and pickles measured as {@link TorchScriptArchive} reads them. */
    @Test
    @Tag("corpus")
    void theCorpusCodeAndPicklesAreFarUnderTheBounds() throws Exception {
        for (String name : new String[] {"antispoof", "liveness", "resnet18", "resnet50", "regnet_x_400mf", "mobilenet_v2",
                "minilm-attentions"}) {
            Path p = Corpus.file("torchscript/" + name + ".pt");
            try (ZipFile z = new ZipFile(p.toFile()); FileChannel ch = FileChannel.open(p)) {
                TorchScriptZip zip = new TorchScriptZip(p, ch);
                int code = 0, pickles = 0;
                for (TorchScriptZip.Entry e : zip.entries(Collections.list(z.entries()).stream().map(x -> (java.util.zip.ZipEntry) x)
                        .toList())) {
                    if (e.folded().endsWith(".py")) {
                        code = Math.max(code, TorchScriptCode.measure(zip.content(e, 1 << 26), 1_000_000).depth());
                    } else if (e.folded().endsWith("pkl")) {
                        pickles = Math.max(pickles, TorchScriptPickles.depth(p, e.name(), zip.content(e, 1 << 26), 1_000_000));
                    }
                }
                assertTrue(code >= 5 && code <= 20 && code * 10 <= TorchScriptArchive.MAX_CODE_NESTING, name + ": code " + code);
                assertTrue(pickles >= 5 && pickles <= 20 && pickles * 50 <= TorchScriptArchive.MAX_PICKLE_DEPTH, name + ": pickles " + pickles);
            }
        }
    }

    // ---- pickles ----------------------------------------------------------------------------------

    private static byte[] pickle(int... ops) {
        byte[] b = new byte[ops.length];
        for (int k = 0; k < ops.length; k++) {
            b[k] = (byte) ops[k];
        }
        return b;
    }

    @Test
    void picklesAreAsDeepAsTheValuesTheyBuild() {
        // lists memoized empty and filled after: 5,000 lists and the tuple holding them
        assertEquals(5_001, TorchScriptPickles.depth(FILE, "data.pkl", HostileCode.memoizedLists(5_000), 1_000_000));
        // tuples by marks: the empty tuple and 5,000 around it
        assertEquals(5_001, TorchScriptPickles.depth(FILE, "data.pkl", HostileCode.nestedMarks(5_000), 1_000_000));
        // a list, a copy of it (DUP) filled with a list holding a list: the original is 3 deep too
        assertEquals(3, TorchScriptPickles.depth(FILE, "data.pkl", pickle(0x80, 2, ']', '2', ']', ']', 'a', 'a', '0', '.'), 100));
        // a key put again holds the new value: GET 0 is the second list (else the first would hold itself)
        assertEquals(2, TorchScriptPickles.depth(FILE, "data.pkl", pickle(0x80, 2, ']', ']', 'a', 'q', 0, ']', 'q', 0, '0', 'h', 0, 'a',
                '.'), 100));
    }

    @Test
    void aContainerInsideItselfOrAMixedMemoIsRefused() {
        ModelLoadException cycle = assertThrows(ModelLoadException.class, () -> TorchScriptPickles.depth(FILE, "data.pkl",
                pickle(0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.'), 1000));
        assertTrue(cycle.getMessage().contains("its 'data.pkl' holds a container inside itself"), cycle.getMessage());
        ModelLoadException mixed = assertThrows(ModelLoadException.class, () -> TorchScriptPickles.depth(FILE, "data.pkl",
                pickle(0x80, 4, ']', 'q', 5, 0x94, '.'), 1000));
        assertTrue(mixed.getMessage().contains("mixes numbered and given memo keys"), mixed.getMessage());
        ModelLoadException empty = assertThrows(ModelLoadException.class, () -> TorchScriptPickles.depth(FILE, "data.pkl",
                pickle(0x80, 2, 'a', '.'), 1000));
        assertTrue(empty.getMessage().contains("its stack runs out"), empty.getMessage());
    }

    @Test
    void aPickleOfMoreContainersThanTheBoundIsRefusedWithoutBuildingThem() {
        byte[] lists = new byte[TorchScriptPickles.MAX_NODES + 3];
        java.util.Arrays.fill(lists, (byte) ']');
        lists[0] = (byte) 0x80;
        lists[1] = 2;
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> TorchScriptPickles.depth(FILE, "data.pkl", lists, 1000));
        assertTrue(e.getMessage().contains("holds more than " + TorchScriptPickles.MAX_NODES + " containers"), e.getMessage());
    }
}
