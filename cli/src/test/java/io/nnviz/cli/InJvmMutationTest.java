package io.nnviz.cli;

import io.nnviz.api.spi.FileGate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's side of issue 27: the same mutants as {@link CliMutationTest}, opened with
 * {@code NNViz.load} one after another inside one JVM per backend world (the world's jars on a
 * flat class path, as an application has them), asserting that each load succeeds or throws one
 * of nnviz's own exceptions; anything else (a framework's exception, an Error, a stack
 * overflow), a JVM death or a load that hangs is a failure. The JVM is a child ({@link InJvmLoad}),
 * so a crash is seen, its mutant kept in {@code target/mutants-crashed/} with the crash log, and
 * the run goes on with the next mutant in a new child. CI runs 800 with the fixed seed;
 * {@code -Dnnviz.mutations.inJvm=2000} is the full run ({@code bench/mutations/run.sh}).
 */
@Tag("fuzz")
@Tag("corpus")
@Tag("natives")
class InJvmMutationTest {
    /** No answer from a load for this long is a hang. */
    private long hangSeconds = 90;
    /** Where failing and crashing mutants are kept. */
    private Path keepRoot = Path.of("target");

    @TempDir
    Path dir;

    /**
     * Mutants that broke the contract once, run on every build: SEED_FILE#N@CAMPAIGN_SEED (mutants are
     * deterministic, so the triple is the file). Each with what was done and what happened.
     */
    static final List<String> REGRESSIONS = List.of(
            // a node's input rewired to "X:2147483648": libtensorflow's ImportGraphDef dies in Node::output_type (SIGSEGV, the JVM aborts)
            "liveness.pb#612@27", "liveness.pb#1007@27",
            // an AttributeProto's length set to 2^31-1: protobuf's IndexOutOfBoundsException comes out of NNViz.load as it is
            "ch_ppocr_mobile_v2.0_cls_infer.onnx#948@27",
            // model_config's variable-length datatype said 12 bytes (HDF5 files store 16): DL4J's native HDF5 reader copied from a
            // wild address (SIGSEGV in libc's memcpy, on some runs); weight_names with a flipped bit (SIGABRT once in CI: the
            // HDF5 archive DL4J leaves open on a refused import, freed on JavaCPP's deallocator thread)
            "unet3d.h5#8@27", "unet3d.h5#46@27",
            // a dataset's datatype size set to 22: DL4J's native HDF5 reader crashed closing the dataset (SIGSEGV in H5Dclose, CI)
            "esrgan-slim-x2.h5#30@27",
            // model_config's variable-length string said 1,574 bytes of a 5,670-byte heap object: native HDF5 overran its buffer
            // ("free(): invalid size", SIGABRT; h5py aborts on it too), found with campaign seed 28
            "unet3d.h5#96@28",
            // a flipped bit in a weight's dataset: DL4J's failed read left its groups to JavaCPP's deallocator thread, which closed
            // them inside HDF5 while the next mutant was read ("H5Gclose failed", then SIGSEGV in H5SL_search; CI, 1 run in 2)
            "esrgan-slim-x2.h5#46@27");

    /** One mutant's ending: OK, NNVIZ, BAD, CRASH or HANG, and how long it took. */
    record Result(String seed, long n, String what, String verdict, String detail, long millis, long campaign) {
    }

    @Test
    void mutantsOpenedInOneJvmSucceedOrThrowNnvizExceptions() throws Exception {
        int count = Integer.getInteger("nnviz.mutations.inJvm", 800);
        Map<String, List<String[]>> byWorld = new TreeMap<>(); // world -> {index, n, seed path}
        List<Path> seeds = new ArrayList<>();
        for (String s : CliMutationTest.SEEDS) {
            seeds.add(CorpusModels.make(s, Files.createDirectories(dir.resolve("seeds"))));
        }
        for (Path seed : seeds) { // the control: each seed itself loads, or the harness proves nothing (a world that cannot load at all refuses every mutant)
            byWorld.computeIfAbsent(FileGate.recognize(seed).format().backend(), k -> new ArrayList<>()).add(new String[] {"c" + seed.getFileName(), "-1", seed.toString(), "0"});
        }
        for (int i = 0; i < count; i++) {
            Path seed = seeds.get(i % seeds.size());
            byWorld.computeIfAbsent(FileGate.recognize(seed).format().backend(), k -> new ArrayList<>())
                    .add(new String[] {Integer.toString(i), Long.toString(i / seeds.size()), seed.toString(), Long.toString(Mutations.SEED)});
        }
        for (String known : REGRESSIONS) {
            String[] k = known.split("[#@]");
            Path seed = seeds.stream().filter(p -> p.getFileName().toString().equals(k[0])).findFirst().orElseThrow();
            byWorld.get(FileGate.recognize(seed).format().backend()).add(new String[] {"r" + known, k[1], seed.toString(), k[2]});
        }
        List<Result> all = new ArrayList<>();
        Map<String, Long> peaks = new LinkedHashMap<>();
        for (Map.Entry<String, List<String[]>> w : byWorld.entrySet()) {
            AtomicLong peak = new AtomicLong();
            all.addAll(runWorld(w.getKey(), w.getValue(), peak));
            peaks.put(w.getKey(), peak.get());
        }
        List<String> controls = all.stream().filter(r -> r.n() < 0 && !r.verdict().equals("OK")).map(r -> r.seed() + ": " + r.detail()).toList();
        assertEquals(List.of(), controls, "the seeds themselves must load");
        all.removeIf(r -> r.n() < 0);
        String report = MutationReport.inJvm(all, peaks);
        System.out.println(report);
        Files.writeString(Path.of("target", "injvm-mutations.txt"), report);
        List<String> bad = all.stream().filter(r -> !r.verdict().equals("OK") && !r.verdict().equals("NNVIZ"))
                .map(r -> r.seed() + " #" + r.n() + " " + r.verdict()).toList();
        assertEquals(List.of(), bad, report);
    }

    /**
     * The harness itself: a child that dies on a mutant, and one that hangs on one, are each
     * reported with the mutant kept, and the mutants after them still run in a new child.
     */
    @Test
    void aDeathOrAHangIsReportedWithItsMutantKeptAndTheRunGoesOn() throws Exception {
        hangSeconds = 5;
        keepRoot = dir.resolve("kept");
        Path seed = CorpusModels.make("onnx:ch_ppocr_mobile_v2.0_cls_infer.onnx", Files.createDirectories(dir.resolve("seeds")));
        List<String[]> todo = List.of(new String[] {"0", "-1", seed.toString(), "0"}, new String[] {"1", Long.toString(InJvmLoad.DIE), seed.toString(), "0"},
                new String[] {"2", "0", seed.toString(), "0"}, new String[] {"3", Long.toString(InJvmLoad.HANG), seed.toString(), "0"},
                new String[] {"4", "-1", seed.toString(), "0"});
        List<Result> results = runWorld("djl", todo, new AtomicLong());
        // mutant 0 (loaded or refused, either is fine) ran after the crash, the last control after the hang
        assertEquals(List.of("OK", "CRASH", "mutant", "HANG", "OK"), results.stream()
                .map(r -> r.n() == 0 && List.of("OK", "NNVIZ").contains(r.verdict()) ? "mutant" : r.verdict()).toList(), results.toString());
        String name = seed.getFileName().toString();
        assertTrue(Files.isRegularFile(keepRoot.resolve("mutants-crashed").resolve(name + "-" + InJvmLoad.DIE).resolve(name)), "the crash's input kept");
        assertTrue(Files.readString(keepRoot.resolve("mutants-crashed").resolve(name + "-" + InJvmLoad.HANG).resolve("what.txt")).contains("HANG"));
    }

    /** Runs the world's mutants in children, a new child after each death, until every mutant has an ending. */
    private List<Result> runWorld(String world, List<String[]> todo, AtomicLong peak) throws Exception {
        List<Result> results = new ArrayList<>();
        int from = 0;
        while (from < todo.size()) {
            Path list = dir.resolve(world + "-" + from + ".list");
            Files.write(list, todo.subList(from, todo.size()).stream().map(t -> String.join("\t", t)).toList());
            Map<String, String[]> byIndex = new LinkedHashMap<>();
            todo.forEach(t -> byIndex.put(t[0], t));
            int before = results.size();
            child(world, list, byIndex, results, peak); // a child that dies or hangs has its mutant's ending recorded too
            from += results.size() - before;
        }
        return results;
    }

    /** One child over {@code list}; returns the mutant it was on when it died or hung, or null if it finished. */
    private String[] child(String world, Path list, Map<String, String[]> byIndex, List<Result> results, AtomicLong peak) throws Exception {
        Path err = dir.resolve(world + "-stderr.txt"), crashDir = Files.createDirectories(dir.resolve("crash"));
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-XX:ErrorFile=" + crashDir.resolve("hs_err_%p.log"), "-cp", classPath(world), InJvmLoad.class.getName(),
                list.toString(), dir.resolve("work-" + world).toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
        pb.environment().remove(ChildJvm.CHILD);
        pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
        Process p = pb.start();
        AtomicLong lastProgress = new AtomicLong(System.nanoTime());
        AtomicReference<String> killedFor = new AtomicReference<>();
        Thread watch = new Thread(() -> {
            while (p.isAlive()) {
                long rss = ChildJvm.residentBytes(p.pid());
                peak.accumulateAndGet(rss, Math::max);
                if (System.nanoTime() - lastProgress.get() > TimeUnit.SECONDS.toNanos(hangSeconds)) {
                    killedFor.set("HANG");
                    p.destroyForcibly();
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "mutation-watch");
        watch.setDaemon(true);
        watch.start();
        String[] open = null;
        String openWhat = null;
        long openedAt = 0;
        boolean done = false;
        java.util.ArrayDeque<String> printed = new java.util.ArrayDeque<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                int at = line.indexOf(InJvmLoad.MARK);
                if (at < 0) { // the JVM's own fatal-error lines go to standard output: the last few are kept for a crash's detail
                    if (!line.isBlank()) {
                        printed.addLast(line.length() > 200 ? line.substring(0, 200) + "..." : line);
                        if (printed.size() > 3) {
                            printed.removeFirst();
                        }
                    }
                    continue;
                }
                String[] f = line.substring(at + InJvmLoad.MARK.length()).split("\t", -1);
                lastProgress.set(System.nanoTime());
                switch (f[0]) {
                    case "BEGIN" -> {
                        open = byIndex.get(f[1]);
                        openWhat = f[2];
                        openedAt = System.nanoTime();
                    }
                    case "END" -> {
                        String[] t = byIndex.get(f[1]);
                        Result r = new Result(Path.of(t[2]).getFileName().toString(), Long.parseLong(t[1]), openWhat, f[3], f[4], Long.parseLong(f[2]),
                                Long.parseLong(t[3]));
                        results.add(r);
                        if (r.verdict().equals("BAD")) {
                            keep("mutants-failed-injvm", r, Path.of(t[2]), null);
                        }
                        open = null;
                    }
                    case "DONE" -> done = true;
                    default -> {
                    }
                }
            }
        }
        p.waitFor();
        watch.interrupt();
        if (done) {
            return null;
        }
        if (open == null) {
            throw new IllegalStateException("the " + world + " child ended (exit " + p.exitValue() + ") between mutants: "
                    + tail(err));
        }
        String verdict = killedFor.get() != null ? killedFor.get() : "CRASH";
        Result r = new Result(Path.of(open[2]).getFileName().toString(), Long.parseLong(open[1]), openWhat, verdict,
                "exit " + p.exitValue() + ": " + tail(err) + (printed.isEmpty() ? "" : " | stdout: " + String.join(" | ", printed)) + crashSummary(crashDir), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openedAt), Long.parseLong(open[3]));
        results.add(r);
        keep("mutants-crashed", r, Path.of(open[2]), crashDir);
        return open;
    }

    /** The mutant made again (generation is deterministic) in {@code target/FOLDER/}, with what was done and how it ended. */
    private void keep(String folder, Result r, Path seed, Path crashDir) throws IOException {
        Path keep = Files.createDirectories(keepRoot.resolve(folder).resolve(r.seed() + "-" + r.n()));
        if (seed != null && r.n() < 0) {
            Files.copy(seed, keep.resolve(r.seed()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } else if (seed != null) {
            Mutations.delete(keep.resolve(r.seed()));
            Mutations.write(seed, r.n(), keep.resolve(r.seed()), r.campaign());
        }
        Files.writeString(keep.resolve("what.txt"), r.what() + "\n" + r.verdict() + " " + r.detail() + "\n");
        if (crashDir != null) {
            try (var s = Files.list(crashDir)) {
                for (Path log : s.toList()) {
                    Files.move(log, keep.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /**
     * What the JVM's crash log says failed (its lines naming the signal or error and the problematic frame), so that the
     * build's own output tells a crash's cause; CI keeps nothing else of it.
     */
    private static String crashSummary(Path crashDir) throws IOException {
        List<String> said = new ArrayList<>();
        try (var s = Files.list(crashDir)) {
            for (Path log : s.toList()) {
                for (String l : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
                    if (l.startsWith("#  SIG") || l.startsWith("#  Internal Error") || l.startsWith("#  Out of Memory") || l.startsWith("# C ")
                            || l.startsWith("# J ") || l.startsWith("# V ")) {
                        said.add(l.substring(1).strip());
                    }
                }
            }
        }
        return said.isEmpty() ? "" : " | crash log: " + String.join("; ", said);
    }

    private static String tail(Path err) throws IOException {
        List<String> lines = Files.exists(err) ? Files.readAllLines(err, StandardCharsets.ISO_8859_1) : List.of();
        // the last lines, each cut short: libtensorflow prints whole tensors in its errors
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()).stream()
                .map(l -> l.length() > 200 ? l.substring(0, 200) + "..." : l).toList());
    }

    /**
     * The world's jars, then what the harness needs from the test's class path: the nnviz api,
     * slf4j, Jackson (the JSON mutator) and these test classes.
     */
    private static String classPath(String world) throws IOException {
        List<String> cp = new ArrayList<>();
        for (java.net.URL u : Worlds.urls(world)) {
            try {
                cp.add(Path.of(u.toURI()).toString());
            } catch (java.net.URISyntaxException e) {
                throw new IOException(e);
            }
        }
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(e).getFileName().toString();
            if (e.endsWith("test-classes") || name.matches("nnviz-api-[^-]+(-SNAPSHOT)?\\.jar") || e.endsWith("api/target/classes")
                    || name.startsWith("slf4j-") || name.startsWith("jackson-")) {
                cp.add(e);
            }
        }
        return String.join(File.pathSeparator, cp);
    }
}
