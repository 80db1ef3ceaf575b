package io.nnviz.backend.djl.torchscript;

import io.nnviz.NNViz;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.backend.djl.torchscript.HostileCode.Shape;
import io.nnviz.backend.djl.torchscript.StoredZip.Item;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipFile;

import static io.nnviz.backend.djl.torchscript.HostileCode.CODE;
import static io.nnviz.backend.djl.torchscript.HostileCode.DATA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 27: TorchScript files that got past the checks of issue 17 and crashed libtorch, each built
 * from the real fixture {@code small_cnn.pt} and refused by {@code NNViz.load} with one line naming
 * what is wrong. {@link LibtorchCrashTest} shows libtorch crashing on them without the checks.
 */
@Tag("natives")
class HostileTorchScriptTest {
    static List<Item> fixture;
    /** 20,000 nested parentheses: libtorch 2.7.1 overflows a 1 MiB stack at about 450. */
    static byte[] hostile;

    @TempDir
    Path dir;

    @BeforeAll
    static void readFixture() throws Exception {
        fixture = StoredZip.smallCnn();
        hostile = HostileCode.module(fixture, Shape.PARENTHESES.body(20_000));
    }

    /** The one line {@code NNViz.load} refuses {@code p} with; it names the file and {@code reason}. */
    static String refusal(Path p, String reason) {
        io.nnviz.testkit.Reproducers.keep(p);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> NNViz.load(p).close());
        String m = e.getMessage();
        assertTrue(m.contains(p.getFileName().toString()) && m.contains(reason), m);
        assertFalse(m.contains("\n"), "one line: " + m);
        return m;
    }

    /** The fixture with {@code extra} put in before entry {@code at} (at the end for -1). */
    static List<Item> with(List<Item> items, int at, Item extra) {
        List<Item> out = new ArrayList<>(items);
        out.add(at < 0 ? out.size() : at, extra);
        return out;
    }

    // ---- (a) one name, two entries ---------------------------------------------------------------

    /**
     * Entry 3 is where libtorch's lookup finds the first of two copies in this archive (it finds
     * the last with the copy at the end); Java's reader reads the last copy, which issue 17's check
     * passed.
     */
    @Test
    void anEntryTwiceIsRefusedWhicheverCopyLibtorchWouldRead() throws Exception {
        for (int at : new int[] {3, -1}) {
            Path p = StoredZip.write(dir.resolve("twice" + at + ".pt"), with(fixture, at, new Item(CODE, hostile)));
            refusal(p, "its archive holds '" + CODE + "' twice: libtorch would read one copy and nnviz check another");
        }
        try (ZipFile z = new ZipFile(dir.resolve("twice3.pt").toFile())) {
            assertArrayEquals(StoredZip.entry(fixture, CODE), z.getInputStream(z.getEntry(CODE)).readAllBytes(),
                    "Java reads the harmless copy, the one a check reading through ZipFile saw");
        }
    }

    /** miniz compares names ignoring ASCII case: libtorch reads {@code CODE/__TORCH__.PY} as {@code code/__torch__.py}. */
    @Test
    void namesDifferingOnlyInCaseAreOneEntryToLibtorch() throws Exception {
        Path p = StoredZip.write(dir.resolve("case.pt"), with(fixture, -1, new Item("small_cnn/CODE/__TORCH__.PY", hostile)));
        refusal(p, "its archive holds 'small_cnn/CODE/__TORCH__.PY' and '" + CODE + "', the same entry to libtorch (which ignores case)");
        // alone, under a name whose suffix is in capitals, it is still code and checked
        List<Item> renamed = new ArrayList<>(fixture);
        renamed.replaceAll(i -> i.name().equals(CODE) ? new Item("small_cnn/code/__torch__.PY", hostile) : i);
        refusal(StoredZip.write(dir.resolve("suffix.pt"), renamed), "its 'small_cnn/code/__torch__.PY' nests deeper than 200 levels");
    }

    @Test
    void aLocalHeaderNamingAnotherEntryIsRefused() throws Exception {
        List<Item> items = new ArrayList<>(fixture);
        items.replaceAll(i -> i.name().equals(CODE) ? new Item(CODE, "small_cnn/code/__torch__.px", i.data()) : i);
        refusal(StoredZip.write(dir.resolve("local.pt"), items), "its entry '" + CODE + "' has a local header that does not name it");
    }

    /**
     * An archive holding two directories: Java's reader picks one, miniz the other. With the same
     * names and sizes in both, nnviz still checks the code libtorch reads.
     */
    @Test
    void twoDirectoriesShowingJavaAndLibtorchDifferentCodeAreRefused() throws Exception {
        byte[] harmless = StoredZip.entry(fixture, CODE), padded = new byte[hostile.length];
        java.util.Arrays.fill(padded, (byte) ' ');
        System.arraycopy(harmless, 0, padded, 0, harmless.length);
        padded[harmless.length] = '#'; // the rest a comment
        Path p = StoredZip.writeTwoDirectories(dir.resolve("two.pt"), StoredZip.replaced(fixture, CODE, padded),
                StoredZip.replaced(fixture, CODE, hostile));
        try (ZipFile z = new ZipFile(p.toFile())) {
            assertArrayEquals(padded, z.getInputStream(z.getEntry(CODE)).readAllBytes(), "Java reads the harmless directory");
        }
        refusal(p, "its '" + CODE + "' nests deeper than 200 levels");
        // with sizes that differ, the directories themselves disagree
        refusal(StoredZip.writeTwoDirectories(dir.resolve("two-sizes.pt"), fixture, StoredZip.replaced(fixture, CODE, hostile)),
                "its zip directory reads differently to libtorch's reader");
    }

    // ---- (b) nesting that is not brackets --------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Shape.class)
    void codeNestedPastTheBoundIsRefusedNamingTheLine(Shape shape) throws Exception {
        int n = shape == Shape.NESTED_IFS ? 5_000 : 50_000;
        Path p = StoredZip.write(dir.resolve(shape.name().toLowerCase(java.util.Locale.ROOT) + ".pt"),
                StoredZip.replaced(fixture, CODE, HostileCode.module(fixture, shape.body(n))));
        String m = refusal(p, "its '" + CODE + "' nests deeper than 200 levels at line ");
        assertTrue(m.endsWith("(blocks, brackets and operator chains), which would overflow libtorch's native stack"), m);
    }

    /** 150 nested blocks, most of the bound and a third of what a 1 MiB stack takes: libtorch compiles and runs it. */
    @Test
    void codeNestedUnderTheBoundLoadsAndRuns() throws Exception {
        Path p = StoredZip.write(dir.resolve("ifs150.pt"), StoredZip.replaced(fixture, CODE,
                HostileCode.module(fixture, Shape.NESTED_IFS.body(150))));
        float[] x = new float[28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 7 - 3;
        }
        try (ModelView m = NNViz.load(p)) {
            float[] y = m.activations(Tensor.of(x, 1, 1, 28, 28), List.of("output")).get("output").toArray();
            for (int i = 0; i < x.length; i++) {
                assertEquals(Math.max(0, x[i]), y[i], "relu, under 150 ifs");
            }
        }
    }

    // ---- (c) every pickle, whatever its name ends with ------------------------------------------------

    /** libtorch unpickles a {@code .debug_pkl} when an error needs its source ranges: a forward on a wrong shape. */
    @ParameterizedTest
    @ValueSource(strings = {"small_cnn/code/__torch__.py.debug_pkl", "small_cnn/code/__torch__/torch/nn/modules/conv.py.debug_pkl",
            "small_cnn/constants.pkl", DATA})
    void nestedValuesInAnyPickleAreRefused(String entry) throws Exception {
        Path p = StoredZip.write(dir.resolve("pickle.pt"), StoredZip.replaced(fixture, entry, HostileCode.nestedMarks(100_000)));
        refusal(p, "its '" + entry + "' nests deeper than 1000 levels, which would overflow libtorch's native stack");
    }

    @Test
    void aPickleUnderANameInCapitalsIsStillAPickle() throws Exception {
        String entry = "small_cnn/code/__torch__.py.debug_pkl", upper = "small_cnn/code/__torch__.py.DEBUG_PKL";
        List<Item> items = new ArrayList<>(fixture);
        items.replaceAll(i -> i.name().equals(entry) ? new Item(upper, HostileCode.nestedMarks(100_000)) : i);
        refusal(StoredZip.write(dir.resolve("upper.pt"), items), "its '" + upper + "' nests deeper than 1000 levels");
    }

    // ---- (d) containers filled after they were memoized -------------------------------------------

    @Test
    void listsFilledAfterTheyWereMemoizedCountAsDeepAsTheyEndUp() throws Exception {
        Path p = StoredZip.write(dir.resolve("memo.pt"), StoredZip.replaced(fixture, DATA, HostileCode.memoizedLists(200_000)));
        refusal(p, "its '" + DATA + "' nests deeper than 1000 levels");
        // 500 deep passes the check; libtorch then refuses it itself, with an exception: it is not a module
        Path shallow = StoredZip.write(dir.resolve("memo500.pt"), StoredZip.replaced(fixture, DATA, HostileCode.memoizedLists(500)));
        refusal(shallow, "DJL's PyTorch engine could not load it");
    }

    @Test
    void theFixtureRebuiltByTheTestWriterStillLoads() throws Exception {
        try (ModelView m = NNViz.load(StoredZip.write(dir.resolve("copy.pt"), fixture))) {
            assertEquals(4, m.layers().size(), "input, conv, fc, output");
        }
    }
}
