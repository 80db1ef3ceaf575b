package io.nnviz.backend.djl.torchscript;

import io.nnviz.NNViz;
import io.nnviz.api.ModelLoadException;
import io.nnviz.backend.djl.torchscript.HostileCode.Shape;
import io.nnviz.backend.djl.torchscript.StoredZip.Item;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.nnviz.backend.djl.torchscript.HostileCode.CODE;
import static io.nnviz.backend.djl.torchscript.HostileCode.DATA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What nnviz's TorchScript checks stand between (issue 27): each of the four ways past issue 17's
 * checks, handed to libtorch straight through DJL in a child JVM ({@link RawLibtorch}, a 1 MiB main
 * thread as an application's), kills that JVM with a native crash, while the untouched fixture loads
 * there; {@code NNViz.load} refuses each in this JVM. About 5 s per child.
 */
@Tag("natives")
class LibtorchCrashTest {
    private static final long CHILD_SECONDS = 120;

    @TempDir
    Path dir;

    private record Run(int exit, String out) {
    }

    private Run raw(Path file, String... forwardShape) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss1m",
                "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"), "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1", "-cp", System.getProperty("java.class.path"),
                RawLibtorch.class.getName(), file.toString()));
        cmd.addAll(List.of(forwardShape));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.txt").toFile()).start();
        if (!p.waitFor(CHILD_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail("the child JVM ran past " + CHILD_SECONDS + " s on " + file.getFileName());
        }
        return new Run(p.exitValue(), Files.readString(dir.resolve("child.txt"), StandardCharsets.ISO_8859_1));
    }

    private void assertCrashesLibtorchAndNnvizRefusesIt(Path file, String... forwardShape) throws Exception {
        Run r = raw(file, forwardShape);
        // killed by a signal (SIGSEGV: 139; SIGABRT after the JVM's report: 134), not an exit of its own
        assertTrue(r.exit() > 128 && !r.out().contains("refused"), file.getFileName() + ": exit " + r.exit() + "\n" + r.out());
        // with a forward to run, the crash comes after libtorch loaded the file: in the forward's error
        assertEquals(forwardShape.length > 0, r.out().contains("loaded"), r.out());
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> NNViz.load(file).close());
        assertTrue(e.getMessage().contains("nests deeper") || e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void withoutTheChecksLibtorchCrashesOnEachWayPastIssue17() throws Exception {
        List<Item> fixture = StoredZip.smallCnn();
        Run control = raw(StoredZip.write(dir.resolve("fixture.pt"), fixture), "1x1x28x28");
        assertEquals(0, control.exit(), control.out());
        assertTrue(control.out().contains("loaded") && control.out().contains("ran"), control.out());

        // (a) the hostile copy first, where libtorch's lookup finds it
        byte[] parens = HostileCode.module(fixture, Shape.PARENTHESES.body(20_000));
        List<Item> twice = new ArrayList<>(fixture);
        twice.add(3, new Item(CODE, parens));
        assertCrashesLibtorchAndNnvizRefusesIt(StoredZip.write(dir.resolve("twice.pt"), twice));
        // (b) a 50,000-term sum: no bracket at all
        assertCrashesLibtorchAndNnvizRefusesIt(StoredZip.write(dir.resolve("sum.pt"),
                StoredZip.replaced(fixture, CODE, HostileCode.module(fixture, Shape.SUM.body(50_000)))));
        // (c) a .debug_pkl nested 100,000 deep, read when a forward fails (here on 2 channels for 1)
        assertCrashesLibtorchAndNnvizRefusesIt(StoredZip.write(dir.resolve("debug.pt"),
                StoredZip.replaced(fixture, CODE + ".debug_pkl", HostileCode.nestedMarks(100_000))), "1x2x28x28");
        // (d) lists 200,000 deep that a stack-only depth model sees 3 deep
        assertCrashesLibtorchAndNnvizRefusesIt(StoredZip.write(dir.resolve("memo.pt"),
                StoredZip.replaced(fixture, DATA, HostileCode.memoizedLists(200_000))));
    }
}
