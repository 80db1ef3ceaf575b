package io.nnviz.cli;

import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The child JVM of {@link InJvmMutationTest}: one backend world on a flat class path, as an
 * application that depends on nnviz and that backend has it. For each line {@code INDEX N SEED CAMPAIGN_SEED}
 * of the list it makes mutant N of SEED in that campaign (N = -1: the seed itself), opens it with {@link NNViz#load} and reads the whole
 * view, then says on stdout how that ended: {@code OK}, {@code NNVIZ} (one of nnviz's own
 * exceptions: the contract) or {@code BAD} (anything else: the finding). A line {@code BEGIN} is
 * written before each load, so when this JVM dies the parent knows which mutant killed it.
 */
public final class InJvmLoad {
    /** Marks this harness's lines among whatever the natives print on stdout. */
    static final String MARK = "@@nnviz-mutant ";
    /** Mutant numbers that test the harness itself: the child dies there, or hangs. */
    static final long DIE = -2, HANG = -3;

    private InJvmLoad() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        Path work = Files.createDirectories(Path.of(args[1]));
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] f = line.split("\t");
            Path seed = Path.of(f[2]);
            long n = Long.parseLong(f[1]);
            if (n == DIE || n == HANG) { // the harness's own test: a JVM that dies, or a load that never returns, on this line
                out.println(MARK + "BEGIN\t" + f[0] + "\tharness test");
                if (n == DIE) {
                    Runtime.getRuntime().halt(134);
                }
                Thread.sleep(Long.MAX_VALUE);
            }
            Path mutant = n < 0 ? seed : work.resolve(f[1] + "-" + seed.getFileName()); // -1: the seed itself, the control
            String what = n < 0 ? "none (the seed)" : Mutations.write(seed, n, mutant, Long.parseLong(f[3])).replaceAll("[\\r\\n\\t]", " ");
            out.println(MARK + "BEGIN\t" + f[0] + "\t" + what);
            long t0 = System.nanoTime();
            String verdict;
            try (ModelView m = NNViz.load(mutant, LoadOptions.defaults())) {
                readAll(m);
                verdict = "OK\t-";
            } catch (NnvizException e) {
                verdict = "NNVIZ\t" + e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).replaceAll("[\\r\\n\\t]", " ");
            } catch (Throwable t) { // the finding: not nnviz's own exception (a framework's, an Error, a stack overflow)
                verdict = "BAD\t" + oneLine(t);
            }
            out.println(MARK + "END\t" + f[0] + "\t" + (System.nanoTime() - t0) / 1_000_000 + "\t" + verdict);
            if (n >= 0) {
                Mutations.delete(mutant);
            }
        }
        out.println(MARK + "DONE");
    }

    /** Everything a diagram reads: lazy parts of a view fail here, not at load. */
    private static void readAll(ModelView m) {
        m.name();
        m.framework();
        List<LayerInfo> layers = m.layers();
        for (LayerInfo l : layers) {
            l.id();
            l.kind();
            l.parameterCount();
        }
        m.edges().size();
        m.groups().size();
        m.properties().size();
        m.capabilities().size();
    }

    private static String oneLine(Throwable t) {
        StringBuilder s = new StringBuilder(String.valueOf(t));
        StackTraceElement[] st = t.getStackTrace();
        for (int i = 0; i < Math.min(4, st.length); i++) {
            s.append(" at ").append(st[i]);
        }
        for (Throwable c = t.getCause(); c != null && c != t; c = c.getCause() == c ? null : c.getCause()) {
            s.append(" caused by ").append(c);
        }
        return s.toString().replaceAll("[\\r\\n\\t]", " ");
    }
}
