package io.nnviz.recording;

import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.ManualTraining;
import io.nnviz.recording.format.RunEvents;
import io.nnviz.recording.format.RunJson;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.sink.TensorBoardWriterTest;
import io.nnviz.testkit.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 26, "nothing logged is lost": a value given to a recorder reaches run.json, the event log
 * and TensorBoard whatever the order of the close() calls, including a value logged after the
 * attachment is closed and a JVM that exits without closing the recorder; a value logged after the
 * recorder is closed fails at the call.
 */
class NothingLostTest {
    private static final int STEPS = 20;
    private static final double VALIDATION = 0.8125, LATE = 0.4375;

    @TempDir
    Path root;

    /** One run through a real training loop: softmax regression on Fashion-MNIST, {@code order} deciding when what is closed. */
    private Path run(String name, String order) throws Exception {
        Recorder rec = Recorder.builder().name(name).runsRoot(root).build();
        SoftmaxRegression net = new SoftmaxRegression(FashionMnist.trainCached(256), 8);
        ManualTraining training = ManualTraining.start(SoftmaxRegression.model(), rec);
        for (int s = 0; s < STEPS; s++) {
            double loss = net.step(s);
            training.stepEnd(loss, r -> net.snapshot());
        }
        Attachment a = training;
        switch (order) {
            case "attachment, value, recorder" -> {
                a.close();
                rec.epochScalar("validation/accuracy", 0, VALIDATION);
                rec.scalar("late", LATE);
                rec.close();
            }
            case "value, recorder, attachment" -> {
                rec.epochScalar("validation/accuracy", 0, VALIDATION);
                rec.scalar("late", LATE);
                rec.close();
                a.close();
            }
            case "value, attachment, recorder twice" -> {
                rec.epochScalar("validation/accuracy", 0, VALIDATION);
                rec.scalar("late", LATE);
                a.close();
                rec.close();
                rec.close();
            }
            default -> throw new AssertionError(order);
        }
        return runDirectory(name);
    }

    private Path runDirectory(String name) throws Exception {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(name)).findFirst().orElseThrow();
        }
    }

    /** Every sink holds every loss, the validation value and the late scalar. */
    private static void assertEverySinkHoldsEverything(Path dir) throws Exception {
        RunLog json = RunJson.read(dir.resolve(Runs.RUN_FILE));
        RunLog events = RunEvents.read(dir.resolve(RunEvents.fileFor(null)), 10_000).log();
        for (RunLog log : List.of(json, events)) {
            assertEquals(STEPS, log.stepSeries("loss").size());
            assertEquals(VALIDATION, log.epochSeries("validation/accuracy").y(0));
            assertEquals(LATE, log.stepSeries("late").y(0));
            assertEquals(STEPS, log.stepSeries("late").x(0));
        }
        List<Event> tb = new ArrayList<>(), validation = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir.resolve("tensorboard"))) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                // Keras's layout: validation values in a run of their own, per-epoch tags prefixed epoch_
                (f.getParent().getFileName().toString().equals("validation") ? validation : tb).addAll(TensorBoardWriterTest.read(Files.readAllBytes(f)));
            }
        }
        assertTrue(validation.stream().anyMatch(e -> e.getStep() == 0 && e.getSummary().getValueList().stream()
                .anyMatch(v -> v.getTag().equals("epoch_accuracy") && Math.abs(v.getSimpleValue() - VALIDATION) < 1e-7)), "TensorBoard: validation");
        assertTrue(tb.stream().anyMatch(e -> e.getStep() == STEPS && e.getSummary().getValueList().stream()
                .anyMatch(v -> v.getTag().equals("late") && Math.abs(v.getSimpleValue() - LATE) < 1e-7)), "TensorBoard: late");
        assertEquals(STEPS, tb.stream().filter(e -> e.getSummary().getValueList().stream().anyMatch(v -> v.getTag().equals("loss"))).count());
    }

    @Test
    void aValueLoggedAfterTheAttachmentIsClosedReachesEverySink() throws Exception {
        assertEverySinkHoldsEverything(run("after-attachment", "attachment, value, recorder"));
    }

    @Test
    void theRecorderClosedBeforeItsAttachmentLosesNothing() throws Exception {
        assertEverySinkHoldsEverything(run("recorder-first", "value, recorder, attachment"));
    }

    @Test
    void closingTwiceLosesNothing() throws Exception {
        assertEverySinkHoldsEverything(run("twice", "value, attachment, recorder twice"));
    }

    @Test
    void aValueLoggedAfterTheRecorderIsClosedFailsAtTheCall() throws Exception {
        Recorder rec = Recorder.builder().name("closed").runsRoot(root).build();
        rec.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> rec.epochScalar("validation/loss", 0, 1.0));
        assertTrue(e.getMessage().contains("validation/loss") && e.getMessage().contains("after close()"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> rec.scalar("x", 1, 1.0));
    }

    /** A JVM whose main returns without closing its recorder (as the old quick start did): the exit hook writes what it was given. */
    @Test
    void aJvmThatExitsWithoutClosingLosesNothing() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), UnclosedRunMain.class.getName(), root.toString(), "unclosed",
                String.valueOf(STEPS), String.valueOf(VALIDATION), String.valueOf(LATE))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        assertEverySinkHoldsEverything(runDirectory("unclosed"));
    }
}
