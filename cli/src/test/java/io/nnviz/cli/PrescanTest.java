package io.nnviz.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 30: the nnviz process starts a model command's child on its plain reading of the command
 * line ({@link Prescan}); what it reads must be what picocli parses, or nothing.
 */
class PrescanTest {
    @TempDir
    Path dir;

    /** The option tables are the commands' options: a new option cannot be misread as a model path or a value. */
    @Test
    void theOptionTablesAreTheModelCommandsOptions() {
        CommandLine cl = Main.commandLine(new Main());
        Set<String> values = new HashSet<>(), flags = new HashSet<>(List.of("--verbose", "-q", "--quiet"));
        for (String name : Prescan.COMMANDS) {
            CommandLine sub = cl.getSubcommands().get(name);
            assertTrue(sub.getCommandSpec().userObject() instanceof ModelOptions.Command, name);
            for (OptionSpec o : sub.getCommandSpec().options()) {
                for (String n : o.names()) {
                    if (List.of("-h", "--help", "-V", "--version").contains(n)) {
                        continue;
                    }
                    (o.arity().max() > 0 ? values : flags).add(n);
                }
            }
        }
        cl.getSubcommands().forEach((name, sub) -> assertEquals(sub.getCommandSpec().userObject() instanceof ModelOptions.Command,
                Prescan.COMMANDS.contains(name), name));
        assertEquals(values, Prescan.WITH_VALUE);
        assertEquals(flags, Prescan.FLAGS);
    }

    /** Whatever it reads is what picocli parses (limits, output folder, model); where unsure, it reads nothing. */
    /** A command line that names its subcommand builds that one alone, under the name picocli gives it; else all of them. */
    @Test
    void aNamedSubcommandIsBuiltAlone() {
        Set<String> all = Main.commandLine(new Main()).getSubcommands().keySet();
        assertEquals(Main.COMMANDS, List.copyOf(all));
        for (String name : all) {
            assertEquals(Set.of(name), Main.commandLine(new Main(), "--verbose", name, "x").getSubcommands().keySet(), name);
            assertEquals(all, Main.commandLine(new Main(), "--help", name).getSubcommands().keySet(), name);
        }
        assertEquals(all, Main.commandLine(new Main(), "inpsect", "m.onnx").getSubcommands().keySet()); // picocli's suggestion needs them all
    }

    @Test
    void whatItReadsIsWhatPicocliParses() {
        String m = dir.resolve("m.onnx").toString();
        List<String[]> lines = List.of(
                new String[] {"inspect", m},
                new String[] {"-q", "inspect", m, "--out", "o"},
                new String[] {"--verbose", "inspect", "--out=o", m, "--format", "svg", "--timings"},
                new String[] {"inspect", m, "--max-memory", "2g", "--timeout", "30"},
                new String[] {"inspect", m, "--max-memory=800m", "--timeout=5", "--depth", "-1"},
                new String[] {"inspect", m, "--layers", "conv.*", "--layout-quality", "--overlay", "params"},
                new String[] {"activations", m, "--input", "x.png", "--mean", "0.4,0.4,0.4", "--std", "0.2,0.2,0.2", "--target", "3"},
                new String[] {"attribute", m, "--input", "x.npy", "--methods", "ig,occlusion", "--steps", "8", "--baseline", "-1",
                        "--sanity", "--out", "o"},
                new String[] {"attention", m, "--text", "hello there", "--head", "1,2", "--max-tokens", "16"},
                new String[] {"diff", m, m, "--out", "d"},
                new String[] {"inspect", m, "--input-shape", "1,3,224,224", "--input-shape", "x=1,3"});
        for (String[] a : lines) {
            Prescan.Read r = Prescan.read(a);
            ModelOptions full = Main.modelOptions(a);
            assertNotNull(r, String.join(" ", a));
            assertNotNull(full, String.join(" ", a));
            assertEquals(full.limits(), r.options().limits(), String.join(" ", a));
            assertEquals(full.out, r.options().out, String.join(" ", a));
            assertEquals(full.model, r.model(), String.join(" ", a));
        }
    }

    /** Help, version, {@code --}, options given twice, unknown ones, bad limits: the process parses fully, as before. */
    @Test
    void whereUnsureItReadsNothing() {
        String m = dir.resolve("m.onnx").toString();
        for (String[] a : List.of(new String[] {}, new String[] {"--help"}, new String[] {"-V"}, new String[] {"runs", "r"},
                new String[] {"serve", "r"}, new String[] {"inspect", m, "--help"}, new String[] {"inspect", "-h"},
                new String[] {"inspect", "--", m}, new String[] {"inspect", m, "--out", "a", "--out", "b"},
                new String[] {"inspect", m, "--bogus"}, new String[] {"inspect", m, "--max-memory", "lots"},
                new String[] {"inspect", m, "--timeout", "-3"}, new String[] {"inspect", m, "--timeout", "soon"},
                new String[] {"inspect", m, "--out"}, new String[] {"inspect", m, "--layers", "--out", "o"},
                new String[] {"inspect", m, "-qV"})) {
            assertNull(Prescan.read(a), String.join(" ", a));
        }
    }

    /** The child does nothing, and says nothing, when its parse is not what the parent read: the parent then parses. */
    @Test
    void aChildWhoseParseDiffersDoesNothing() throws Exception {
        Path m = CliRun.resource("all-minilm-l6-v2.onnx", dir);
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        List<String> args = List.of("inspect", m.toString(), "--out", dir.resolve("out").toString(), "--format", "svg", "--quiet");
        ChildJvm.Ending e = ChildJvm.start(Main.class.getName(), args, new ChildJvm.Limits(2L << 30, 0), true, null,
                Map.of(Prescan.EXPECT, "1:0:elsewhere"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Prescan.MISMATCH, e.code(), err.toString(StandardCharsets.UTF_8));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertEquals("", err.toString(StandardCharsets.UTF_8));
        assertEquals(List.of(), CliRun.files(dir.resolve("out")), "nothing written");
        // and on what it was told, it runs
        Prescan.Read r = Prescan.read(args.toArray(String[]::new));
        e = ChildJvm.start(Main.class.getName(), args, r.options().limits(), true, null, Map.of(Prescan.EXPECT, r.expectation()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, e.code(), err.toString(StandardCharsets.UTF_8));
        assertTrue(CliRun.files(dir.resolve("out")).contains("architecture.svg"));
    }
}
