package io.nnviz.cli;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The tables the mutation campaign prints: per format, and per kind of edit. */
final class MutationReport {
    private MutationReport() {
    }

    /** The kind of edit: the first word of what was done, after the entry or file it was done to. */
    static String family(String what) {
        if (what == null) {
            return "?";
        }
        String w = what.replaceFirst("^\\S+: ", "");
        int sp = w.indexOf(' ');
        return sp < 0 ? w : w.substring(0, sp);
    }

    /** The format of a seed model, from its file name as {@link CorpusModels} makes it. */
    static String format(String seed) {
        return seed.endsWith(".onnx") ? "ONNX" : seed.endsWith(".h5") ? "Keras .h5" : seed.endsWith(".zip") ? "DL4J zip"
                : seed.endsWith(".pt") ? "TorchScript" : seed.endsWith("_saved") ? "SavedModel" : seed.endsWith(".pb") ? "frozen .pb"
                : seed.endsWith(".tflite") ? "TFLite" : seed.endsWith(".keras") ? "Keras 3" : seed.endsWith(".safetensors") ? "safetensors"
                : seed.endsWith(".gguf") ? "GGUF" : seed.endsWith(".ckpt") || seed.endsWith(".pth") ? "PyTorch checkpoint" : "?";
    }

    /** The CLI run's table: exit codes, the child's net catches, slowest run and peak resident memory per format. */
    static String cli(List<CliMutationTest.Outcome> all) {
        Map<String, long[]> rows = new TreeMap<>(); // {mutants, 0, 2, 3, other, caught, slowest s, peak rss}
        Map<String, long[]> families = new TreeMap<>();
        for (CliMutationTest.Outcome o : all) {
            long[] t = rows.computeIfAbsent(format(o.seed()) + " " + o.seed(), k -> new long[8]);
            t[0]++;
            t[switch (o.code()) { case 0 -> 1; case 2 -> 2; case 3 -> 3; default -> 4; }]++;
            t[5] += o.caught() ? 1 : 0;
            t[6] = Math.max(t[6], o.seconds());
            t[7] = Math.max(t[7], o.peakRss() >> 20);
            long[] f = families.computeIfAbsent(family(o.what()), k -> new long[4]);
            f[o.code() == 0 ? 0 : o.code() == 2 ? 1 : o.code() == 3 ? 2 : 3]++;
        }
        StringBuilder s = new StringBuilder(String.format("CLI: %d mutants (seed %d)%n%-52s %7s %6s %6s %6s %6s %7s %8s %9s%n", all.size(),
                Mutations.SEED, "format / seed", "mutants", "exit 0", "exit 2", "exit 3", "other", "caught", "slowest", "peak RSS"));
        rows.forEach((k, t) -> s.append(String.format("%-52s %7d %6d %6d %6d %6d %7d %6d s %5d MiB%n", k, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7])));
        s.append(String.format("%n%-24s %6s %6s %6s %6s%n", "edit", "exit 0", "exit 2", "exit 3", "other"));
        families.forEach((k, f) -> s.append(String.format("%-24s %6d %6d %6d %6d%n", k, f[0], f[1], f[2], f[3])));
        return s.toString();
    }

    /** The in-JVM run's table: endings, slowest load per format, peak resident memory per world. */
    static String inJvm(List<InJvmMutationTest.Result> all, Map<String, Long> peaks) {
        String[] verdicts = {"OK", "NNVIZ", "BAD", "CRASH", "HANG"};
        Map<String, long[]> rows = new TreeMap<>(); // {mutants, per verdict..., slowest ms}
        Map<String, long[]> families = new TreeMap<>();
        for (InJvmMutationTest.Result r : all) {
            int v = java.util.Arrays.asList(verdicts).indexOf(r.verdict());
            long[] t = rows.computeIfAbsent(format(r.seed()) + " " + r.seed(), k -> new long[7]);
            t[0]++;
            t[1 + v]++;
            t[6] = Math.max(t[6], r.millis());
            families.computeIfAbsent(family(r.what()), k -> new long[5])[v]++;
        }
        StringBuilder s = new StringBuilder(String.format("NNViz.load in one JVM per world: %d mutants (seed %d)%n%-52s %7s %6s %8s %6s %6s %6s %9s%n",
                all.size(), Mutations.SEED, "format / seed", "mutants", "loaded", "refused", "other", "crash", "hang", "slowest"));
        rows.forEach((k, t) -> s.append(String.format("%-52s %7d %6d %8d %6d %6d %6d %6d ms%n", k, t[0], t[1], t[2], t[3], t[4], t[5], t[6])));
        peaks.forEach((w, p) -> s.append(String.format("peak RSS of the %s JVM: %,d MiB%n", w, p >> 20)));
        s.append(String.format("%n%-24s %6s %8s %6s %6s %6s%n", "edit", "loaded", "refused", "other", "crash", "hang"));
        families.forEach((k, f) -> s.append(String.format("%-24s %6d %8d %6d %6d %6d%n", k, f[0], f[1], f[2], f[3], f[4])));
        Map<String, Integer> refusals = new TreeMap<>(); // exception class -> count: a backend refusing everything shows here
        all.stream().filter(r -> r.verdict().equals("NNVIZ")).forEach(r -> refusals.merge(format(r.seed()) + " " + r.detail().replaceFirst(":.*", ""), 1, Integer::sum));
        s.append(String.format("%nrefused with%n"));
        refusals.forEach((k, n) -> s.append(String.format("  %-60s %6d%n", k, n)));
        for (InJvmMutationTest.Result r : all) {
            if (!r.verdict().equals("OK") && !r.verdict().equals("NNVIZ")) {
                s.append(String.format("  %s %s #%d (%s): %s%n", r.verdict(), r.seed(), r.n(), r.what(), r.detail()));
            }
        }
        return s.toString();
    }
}
