package io.nnviz.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nnviz.analysis.doctor.Finding;
import io.nnviz.api.hook.ManualTraining;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.SoftmaxRegression;
import io.nnviz.testkit.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nnviz doctor RUN}: real runs on Fashion-MNIST (softmax regression, plain Java) recorded
 * under a runs root; a run's directory gives the lines the recorder found live, one per finding,
 * or "no findings"; a root gives each run under its name; --json gives the same as data.
 */
class DoctorCommandTest {
    @TempDir
    Path dir;

    /** Trains softmax regression at {@code lr} for 300 steps into a run under {@code root}; returns the findings seen live. */
    private static List<Finding> train(Path root, String name, float lr) {
        SoftmaxRegression model = new SoftmaxRegression(FashionMnist.trainCached(9600), 32, lr);
        Recorder rec = Recorder.builder().name(name).runsRoot(root).classNames(FashionMnist.CLASSES).build();
        try (ManualTraining t = ManualTraining.start(SoftmaxRegression.model(), rec)) {
            for (int s = 0; s < 300; s++) {
                double loss = model.step(s);
                t.stepEnd(loss, r -> r.weights() ? model.snapshot() : io.nnviz.api.hook.Snapshot.EMPTY);
            }
        }
        List<Finding> live = rec.findings();
        rec.close();
        return live;
    }

    private static Path only(Path root) throws Exception {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
    }

    @Test
    void aRunsDirectoryGivesTheFindingsSeenLiveOnePerLine() throws Exception {
        Path frozen = dir.resolve("frozen"), healthy = dir.resolve("healthy");
        List<Finding> live = train(frozen, "lr 0", 0f);
        assertTrue(live.stream().anyMatch(f -> f.rule().equals("frozen-weights")), "a learning rate of 0 freezes the weights: " + live);
        CliRun r = CliRun.of("doctor", only(frozen)).expect(0);
        assertEquals(live.stream().map(Finding::line).toList(), r.out.lines().toList());
        assertTrue(r.out.startsWith("WARNING "), r.out);
        assertTrue(r.out.contains("WARNING frozen-weights step=1 layer=dense: "), r.out);

        assertEquals(List.of(), train(healthy, "lr 0.05", 0.05f), "softmax regression as it should learn");
        assertEquals("no findings", CliRun.of("doctor", only(healthy)).expect(0).out.strip());
    }

    @Test
    void aRootGivesEveryRunUnderItsNameAndJsonForMachines() throws Exception {
        Path root = dir.resolve("runs");
        train(root, "broken", 0f);
        train(root, "healthy", 0.05f);
        CliRun r = CliRun.of("doctor", root).expect(0);
        assertTrue(r.out.startsWith("broken (id "), r.out);
        assertTrue(r.out.contains("\nhealthy (id ") && r.out.strip().endsWith("no findings"), r.out);

        JsonNode json = new ObjectMapper().readTree(CliRun.of("doctor", root, "--json").expect(0).out);
        assertEquals(2, json.get("runs").size());
        JsonNode first = json.get("runs").get(0), f = first.get("findings").get(0);
        assertEquals("broken", first.get("name").asText());
        assertEquals(300, first.get("lastStep").asLong());
        assertEquals("WARNING", f.get("severity").asText());
        assertTrue(f.get("message").asText().length() > 20 && f.get("advice").asText().length() > 20, f.toString());
        assertTrue(f.get("evidence").size() > 0, f.toString());
        assertEquals(0, json.get("runs").get(1).get("findings").size());

        CliRun.of("doctor", dir.resolve("nowhere")).refused(2, "nowhere");
        Files.createDirectories(dir.resolve("empty"));
        CliRun.of("doctor", dir.resolve("empty")).refused(2, "no run");
    }
}
