package io.nnviz.examples;

import com.google.protobuf.CodedInputStream;
import io.nnviz.recording.format.RunJson;
import io.nnviz.analysis.Curve;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.view.RunFigures;
import io.nnviz.renderers.Figures;
import io.nnviz.testkit.SvgFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a recorded training run must hold, on every framework: the loss of every step at
 * continuous global steps, train and validation of a metric on one epoch chart with the
 * framework's own values, the same scalars in TensorBoard's files, and a run.json that reads back
 * into the same figures. Shared by the DL4J/DJL and the TensorFlow app tests.
 */
public final class RunChecks {
    private RunChecks() {
    }

    /** The loss series holds one point per step, steps 1..n without a gap across re-attaches, with the loop's own values. */
    public static void assertLossEveryStep(RunLog log, List<Double> loopLosses, double tolerance) {
        Curve loss = log.stepSeries("loss");
        assertEquals(loopLosses.size(), loss.size(), "one loss per step");
        for (int i = 0; i < loss.size(); i++) {
            assertEquals(i + 1, loss.x(i), "global step " + (i + 1) + ", never back to 1 after a re-attach");
            assertEquals(loopLosses.get(i), loss.y(i), tolerance * Math.max(1, Math.abs(loopLosses.get(i))), "the loss of step " + (i + 1));
        }
    }

    /**
     * The report's epoch chart of {@code metric} draws one series per split with a marker per
     * epoch whose tooltip gives its value, equal to {@code expected} (split to values by epoch).
     */
    public static void assertEpochChart(Path report, String metric, Map<String, List<Double>> expected) throws Exception {
        Path svg = report.resolve("figures").resolve("epoch-" + metric.toLowerCase(Locale.ROOT) + ".svg");
        assertTrue(Files.exists(svg), svg + " exists");
        var doc = SvgFiles.parse(svg);
        assertEquals(new ArrayList<>(expected.keySet()), SvgFiles.groupTitles(doc, "series"), "one series per split, on one chart");
        assertTrue(SvgFiles.texts(doc).contains("epoch"), "an epoch axis");
        List<String> want = new ArrayList<>();
        expected.forEach((split, values) -> {
            for (int e = 0; e < values.size(); e++) {
                want.add(split + " at epoch " + (e + 1) + ": " + String.format(Locale.ROOT, "%.6g", values.get(e)));
            }
        });
        assertEquals(want, SvgFiles.groupTitles(doc, "point"), "each epoch's value as the framework computed it");
    }

    /** Every scalar of every event file under {@code dir}: run folder ("" for the top one) to tag to step to value. */
    public static Map<String, Map<String, Map<Long, Float>>> tensorBoardScalars(Path dir) throws IOException {
        Map<String, Map<String, Map<Long, Float>>> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents")).toList()) {
                String run = dir.relativize(f.getParent()).toString();
                ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
                while (b.remaining() >= 12) { // TFRecord: length, crc, data, crc
                    int n = (int) b.getLong();
                    b.getInt();
                    byte[] data = new byte[n];
                    b.get(data);
                    b.getInt();
                    readEvent(data, out.computeIfAbsent(run, k -> new TreeMap<>()));
                }
            }
        }
        return out;
    }

    /** A tensorflow.Event read with protobuf's own decoder: step (2), summary (5) > value (1) > tag (1), simple_value (2). */
    private static void readEvent(byte[] event, Map<String, Map<Long, Float>> into) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(event);
        long step = 0;
        List<byte[]> summaries = new ArrayList<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag >>> 3) {
                case 2 -> step = in.readInt64();
                case 5 -> summaries.add(in.readByteArray());
                default -> in.skipField(tag);
            }
        }
        for (byte[] s : summaries) {
            CodedInputStream sin = CodedInputStream.newInstance(s);
            for (int tag = sin.readTag(); tag != 0; tag = sin.readTag()) {
                if (tag >>> 3 != 1) {
                    sin.skipField(tag);
                    continue;
                }
                CodedInputStream vin = CodedInputStream.newInstance(sin.readByteArray());
                String name = null;
                Float value = null;
                for (int vt = vin.readTag(); vt != 0; vt = vin.readTag()) {
                    switch (vt >>> 3) {
                        case 1 -> name = vin.readString();
                        case 2 -> value = vin.readFloat();
                        default -> vin.skipField(vt);
                    }
                }
                if (name != null && value != null) {
                    into.computeIfAbsent(name, k -> new TreeMap<>()).put(step, value);
                }
            }
        }
    }

    /** TensorBoard holds the run's loss of every step and its epoch metrics per split, as Keras lays them out. */
    public static void assertTensorBoard(Path dir, RunLog log, String metric) throws IOException {
        var tb = tensorBoardScalars(dir);
        Curve loss = log.stepSeries("loss");
        Map<Long, Float> tbLoss = tb.get("").get("loss");
        assertEquals(loss.size(), tbLoss.size(), "every step's loss");
        for (int i = 0; i < loss.size(); i++) {
            assertEquals((float) loss.y(i), tbLoss.get((long) loss.x(i)), "TensorBoard's loss at step " + (long) loss.x(i));
        }
        for (String split : List.of("train", "validation")) {
            Curve p = log.epochSeries(split + "/" + metric);
            Map<Long, Float> tbm = tb.get(split).get("epoch_" + metric);
            assertEquals(p.size(), tbm.size(), split + " epochs in TensorBoard");
            for (int i = 0; i < p.size(); i++) {
                assertEquals((float) p.y(i), tbm.get((long) p.x(i)), split + " " + metric + " at epoch " + (long) p.x(i));
            }
        }
    }

    /** run.json reads back into a run whose every figure is the same SVG as the live run's. */
    public static RunLog assertRunJsonGivesTheSameFigures(Path runJson, RunLog live) throws IOException {
        RunLog back = RunJson.read(runJson);
        assertEquals(svgs(live), svgs(back), "figures from run.json");
        assertEquals(live.lastStep(), back.lastStep());
        assertEquals(live.epochsEnded(), back.epochsEnded());
        return back;
    }

    private static Map<String, String> svgs(RunLog log) {
        Map<String, String> out = new LinkedHashMap<>();
        for (RunFigures.Entry e : RunFigures.of(log).entries()) {
            out.put(e.id(), Figures.toSvg(e.figure()));
        }
        return out;
    }
}
