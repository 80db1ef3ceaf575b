package io.nnviz.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The CLI harness of issue 17: mutants of the corpus's real models in every format, each through
 * {@code nnviz inspect} as a user runs it (its own JVM under {@code -Xmx512m}, the CLI's child JVM
 * and all), asserting exit code 0 or 3 only, one line on stderr for 3, no run over 60 s, no
 * process tree over 1.5 GB resident. CI runs a sample; the full run is
 * {@code mvn -pl cli test -Dtest=CliMutationTest -Dnnviz.mutations=1000} (after {@code mvn install -DskipTests}).
 * Failing mutants are kept in {@code target/mutants-failed/} with what was done to them, mutants the
 * child's net caught as a native crash in {@code target/mutants-crashed/}.
 */
@Tag("fuzz")
@Tag("corpus")
@Tag("natives")
class CliMutationTest {
    /** Real models, one or two per format the CLI reads (CorpusModels makes the TensorFlow and DL4J ones from fetched models). */
    private static final List<String> SEEDS = List.of("onnx:silero_vad_legacy.onnx", "onnx:ch_ppocr_mobile_v2.0_cls_infer.onnx",
            "keras:esrgan-slim-x2.h5", "zip:esrgan-slim-x2", "torchscript:liveness.pt", "torchscript:antispoof.pt",
            "savedmodel:emotion", "frozen:liveness");
    private static final long HANG_SECONDS = 60;
    private static final long MAX_RSS = 1536L << 20;

    @TempDir
    Path dir;

    private record Outcome(String seed, long n, String what, int code, String err, long seconds, long peakRss) {
    }

    @Test
    void mutantsOfRealModelsEndWithZeroOrThreeAndOneLine() throws Exception {
        int count = Integer.getInteger("nnviz.mutations", 120);
        String maxMemory = System.getProperty("nnviz.mutations.maxMemory", "1200m");
        List<Path> seeds = new ArrayList<>();
        for (String s : SEEDS) {
            seeds.add(CorpusModels.make(s, Files.createDirectories(dir.resolve("seeds"))));
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors() / 2 + 1));
        List<Future<Outcome>> runs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Path seed = seeds.get(i % seeds.size());
            long n = i / seeds.size();
            runs.add(pool.submit(() -> run(seed, n, maxMemory)));
        }
        List<Outcome> bad = Collections.synchronizedList(new ArrayList<>());
        Map<String, int[]> tally = new TreeMap<>(); // seed -> {exit 0, exit 3, other}
        Map<String, List<String>> caught = new TreeMap<>(); // seed -> mutants whose exit 3 came from the child's net (crash, memory, time)
        long peak = 0, slowest = 0;
        for (Future<Outcome> f : runs) {
            Outcome o = f.get();
            int[] t = tally.computeIfAbsent(o.seed(), k -> new int[3]);
            t[o.code() == 0 ? 0 : o.code() == 3 ? 1 : 2]++;
            if (o.code() == 3 && (o.err().contains("native code reading it crashed") || o.err().contains("memory budget (")
                    || o.err().contains("still not done"))) {
                caught.computeIfAbsent(o.seed(), k -> new ArrayList<>()).add("#" + o.n() + " (" + o.what() + "): " + o.err().strip());
            }
            peak = Math.max(peak, o.peakRss());
            slowest = Math.max(slowest, o.seconds());
            List<String> lines = o.err().lines().filter(l -> !l.isBlank()).toList();
            boolean oneLine = o.code() != 3 || lines.size() == 1 && lines.get(0).startsWith("nnviz: ");
            if (o.code() != 0 && o.code() != 3 || !oneLine || o.seconds() > HANG_SECONDS || o.peakRss() > MAX_RSS) {
                bad.add(o);
            }
        }
        pool.shutdown();
        StringBuilder report = new StringBuilder(String.format("%d mutants: peak RSS %,d MiB, slowest %d s%n", count, peak >> 20, slowest));
        tally.forEach((s, t) -> report.append(String.format("  %-40s exit 0: %4d  exit 3: %4d  other: %d%n", s, t[0], t[1], t[2])));
        caught.forEach((seed, list) -> list.forEach(c -> report.append(String.format("  NET %s %s%n", seed, c))));
        for (Outcome o : bad) {
            report.append(String.format("  BAD %s #%d (%s): exit %d, %d s, %,d MiB: %s%n", o.seed(), o.n(), o.what(), o.code(), o.seconds(),
                    o.peakRss() >> 20, o.err().strip().replace("\n", " | ")));
        }
        System.out.println(report);
        Files.writeString(Path.of("target", "cli-mutations.txt"), report);
        assertEquals(List.of(), bad.stream().map(o -> o.seed() + " #" + o.n()).toList(), report.toString());
    }

    private Outcome run(Path seed, long n, String maxMemory) throws Exception {
        String name = seed.getFileName().toString();
        Path work = Files.createDirectories(dir.resolve("m-" + name + "-" + n));
        Path mutant = work.resolve(name);
        String what = Mutations.write(seed, n, mutant);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "inspect", mutant.toString(),
                "--out", work.resolve("out").toString(), "--quiet"));
        if (!maxMemory.isEmpty()) {
            cmd.addAll(List.of("--max-memory", maxMemory));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(work.resolve("stdout").toFile()).redirectError(work.resolve("stderr").toFile());
        pb.environment().remove(ChildJvm.CHILD);
        long t0 = System.nanoTime();
        Process p = pb.start();
        AtomicLong peak = new AtomicLong();
        boolean done = false;
        while (!done && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(HANG_SECONDS + 5)) {
            done = p.waitFor(50, TimeUnit.MILLISECONDS);
            long rss = ChildJvm.residentBytes(p.pid()) + p.descendants().mapToLong(h -> ChildJvm.residentBytes(h.pid())).sum();
            peak.accumulateAndGet(rss, Math::max);
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
        }
        int code = done ? p.exitValue() : -1;
        String err = Files.readString(work.resolve("stderr"), StandardCharsets.UTF_8);
        Outcome o = new Outcome(name, n, what, code, err, done ? seconds : HANG_SECONDS + 5, peak.get());
        boolean failed = code != 0 && code != 3 || o.seconds() > HANG_SECONDS || o.peakRss() > MAX_RSS;
        if (failed || err.contains("native code reading it crashed")) { // the net's catches are kept too: each is a check still missing
            Path keep = Files.createDirectories(Path.of("target", failed ? "mutants-failed" : "mutants-crashed", name + "-" + n));
            Mutations.delete(keep.resolve(name));
            Files.move(mutant, keep.resolve(name));
            Files.writeString(keep.resolve("what.txt"), what + "\nexit " + code + "\n" + err);
        }
        Mutations.delete(work);
        return o;
    }
}
