package io.nnviz.recording.format;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.nnviz.api.Histogram;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightTensor;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.run.Stamped;
import io.nnviz.recording.storage.RunStore;
import io.nnviz.renderers.AtomicFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * {@code run.json}, format {@code nnviz-run/2}: a whole {@link RunLog}, written atomically and read
 * back so that a run can be reported again or continued. The one place that knows the format
 * (writing here, the fields read back in the package's {@code RunJsonReader}). A run read back is
 * a {@link MutableRunLog}: the caller's own, which a resumed recorder writes on.
 *
 * <pre>{@code
 * RunJson.write(recorder.log(), Path.of("report/run.json"));
 * RunLog run = RunJson.read(Path.of("report/run.json"));
 * }</pre>
 *
 * Layout: {@code run} (id, name, started, model, framework, parameters, hyperparameters, tags,
 * classNames); {@code lastStep}, {@code lastEpoch}, {@code epochsEnded}, {@code maxPoints},
 * {@code dropped}, {@code notes}, {@code updated} and {@code finished} (ISO instants;
 * {@code finished} once the recorder closed); {@code series} and {@code epochSeries} (per name:
 * {@code x}, {@code values}, and the reservoir's {@code stride} and {@code seen}); {@code histograms} (per weight: a list of
 * {@code step, min, max, nonFinite, counts}); {@code filters} ({@code first}, {@code latest}:
 * step, layer, name, role, shape, data); {@code probes} ({@code inputs}, {@code first},
 * {@code latest}). Tensor data is base64 of little-endian float32. Non-finite values are the
 * strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}.
 *
 * <p>Reading is bounded: files over {@link #MAX_FILE_BYTES}, tensors over {@link #MAX_ELEMENTS}
 * elements and data that does not match its declared shape are refused with an
 * {@link IOException} naming the file and what is wrong.
 */
public final class RunJson {
    /** The format this class writes. */
    public static final String FORMAT = "nnviz-run/2";
    /** Largest run.json read. */
    public static final long MAX_FILE_BYTES = 512L << 20;
    /** Largest tensor read. */
    public static final long MAX_ELEMENTS = 64L << 20;

    private RunJson() {
    }

    // ---- writing -------------------------------------------------------------------------------

    /**
     * Writes {@code value} as nnviz writes every number in JSON (run files, the dashboard's state):
     * as a number, or, since JSON has none, a non-finite one as the string {@code "NaN"},
     * {@code "Infinity"} or {@code "-Infinity"}.
     */
    public static void writeNumber(JsonGenerator g, double value) throws IOException {
        Json.number(g, value);
    }

    /** Writes {@code log} to {@code file} (a temporary file, then renamed). */
    public static void write(RunLog log, Path file) throws IOException {
        AtomicFiles.write(file, bytes(log));
    }

    /** Writes {@code log} to {@code path} in {@code store}, replacing the file in one step. */
    public static void write(RunLog log, RunStore store, String path) throws IOException {
        store.replace(path, bytes(log));
    }

    private static byte[] bytes(RunLog log) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        try (JsonGenerator g = Json.FACTORY.createGenerator(bytes)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("format", FORMAT);
            writeInfo(g, log.info());
            g.writeNumberField("lastStep", log.lastStep());
            g.writeNumberField("lastEpoch", log.lastEpoch());
            g.writeNumberField("epochsEnded", log.epochsEnded());
            g.writeNumberField("maxPoints", log.maxPoints());
            if (log.lastWallClock().isPresent()) {
                g.writeStringField("updated", Instant.ofEpochMilli(log.lastWallClock().getAsLong()).toString());
            }
            if (log.finishedAt().isPresent()) {
                g.writeStringField("finished", Instant.ofEpochMilli(log.finishedAt().getAsLong()).toString());
            }
            g.writeNumberField("dropped", log.dropped());
            g.writeObjectFieldStart("notes");
            for (Map.Entry<String, String> n : log.notes().entrySet()) {
                g.writeStringField(n.getKey(), n.getValue());
            }
            g.writeEndObject();
            writeSeries(g, "series", log, log.stepSeriesNames(), false);
            writeSeries(g, "epochSeries", log, log.epochSeriesNames(), true);
            g.writeObjectFieldStart("histograms");
            for (String key : log.histogramKeys()) {
                g.writeArrayFieldStart(key);
                for (Stamped<Histogram> s : log.histograms(key)) {
                    Histogram h = s.value();
                    g.writeStartObject();
                    g.writeNumberField("step", s.step());
                    g.writeNumberField("min", h.min());
                    g.writeNumberField("max", h.max());
                    g.writeNumberField("nonFinite", h.nonFinite());
                    long[] c = h.counts();
                    g.writeFieldName("counts");
                    g.writeArray(c, 0, c.length);
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            g.writeObjectFieldStart("filters");
            if (log.firstFilters().isPresent()) {
                g.writeFieldName("first");
                writeWeight(g, log.firstFilters().get());
            }
            if (log.latestFilters().isPresent()) {
                g.writeFieldName("latest");
                writeWeight(g, log.latestFilters().get());
            }
            g.writeEndObject();
            g.writeObjectFieldStart("probes");
            if (log.probeInputs().isPresent()) {
                g.writeFieldName("inputs");
                writeTensor(g, log.probeInputs().get());
            }
            writeProbes(g, "first", log.firstProbes().orElse(null));
            writeProbes(g, "latest", log.latestProbes().orElse(null));
            g.writeEndObject();
            g.writeEndObject();
        }
        return bytes.toByteArray();
    }

    static void writeInfo(JsonGenerator g, RunInfo i) throws IOException {
        g.writeObjectFieldStart("run");
        g.writeStringField("id", i.id());
        g.writeStringField("name", i.name());
        g.writeStringField("started", i.started().toString());
        g.writeStringField("model", i.model());
        g.writeStringField("framework", i.framework());
        g.writeNumberField("parameters", i.parameters());
        g.writeObjectFieldStart("hyperparameters");
        for (Map.Entry<String, Object> e : i.hyperparameters().entrySet()) {
            g.writeFieldName(e.getKey());
            Object v = e.getValue();
            if (v instanceof Boolean b) {
                g.writeBoolean(b);
            } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
                g.writeNumber(((Number) v).longValue());
            } else if (v instanceof Number n) {
                Json.number(g, n.doubleValue());
            } else {
                g.writeString(String.valueOf(v));
            }
        }
        g.writeEndObject();
        g.writeArrayFieldStart("tags");
        for (String t : i.tags()) {
            g.writeString(t);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("classNames");
        for (String c : i.classNames()) {
            g.writeString(c);
        }
        g.writeEndArray();
        g.writeEndObject();
    }


    private static void writeSeries(JsonGenerator g, String field, RunLog log, List<String> names, boolean epochs) throws IOException {
        g.writeObjectFieldStart(field);
        for (String name : names) {
            MutableRunLog.SeriesState st = MutableRunLog.seriesState(log, name, epochs);
            g.writeObjectFieldStart(name);
            g.writeFieldName("x");
            g.writeStartArray();
            for (double v : st.x()) {
                g.writeNumber((long) v);
            }
            g.writeEndArray();
            g.writeFieldName("values");
            g.writeStartArray();
            for (double v : st.y()) {
                Json.number(g, v);
            }
            g.writeEndArray();
            g.writeNumberField("stride", st.stride());
            g.writeNumberField("seen", st.seen());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void writeWeight(JsonGenerator g, Stamped<WeightTensor> s) throws IOException {
        WeightTensor w = s.value();
        g.writeStartObject();
        g.writeNumberField("step", s.step());
        g.writeStringField("layer", w.layerId());
        g.writeStringField("name", w.name());
        g.writeStringField("role", w.role().name());
        tensorFields(g, w.values());
        g.writeEndObject();
    }

    private static void writeTensor(JsonGenerator g, Tensor t) throws IOException {
        g.writeStartObject();
        tensorFields(g, t);
        g.writeEndObject();
    }

    private static void tensorFields(JsonGenerator g, Tensor t) throws IOException {
        g.writeFieldName("shape");
        int[] dims = t.shape().toArray();
        g.writeArray(dims, 0, dims.length);
        float[] v = t.toArray();
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        g.writeStringField("data", Base64.getEncoder().encodeToString(b.array()));
    }

    private static void writeProbes(JsonGenerator g, String field, Stamped<Map<String, Tensor>> s) throws IOException {
        if (s == null) {
            return;
        }
        g.writeObjectFieldStart(field);
        g.writeNumberField("step", s.step());
        g.writeObjectFieldStart("layers");
        for (Map.Entry<String, Tensor> e : s.value().entrySet()) {
            g.writeFieldName(e.getKey());
            writeTensor(g, e.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    // ---- reading -------------------------------------------------------------------------------

    /** Reads a run written by {@link #write}; {@code nnviz-run/1} files (series and histograms) are read too. */
    public static MutableRunLog read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": not a regular file");
        }
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException(file + ": " + size + " bytes, more than a run.json may have (" + MAX_FILE_BYTES + ")");
        }
        return parse(file.toString(), Files.newInputStream(file));
    }

    /** Reads a run written by {@link #write} from {@code path} in {@code store}. */
    public static MutableRunLog read(RunStore store, String path) throws IOException {
        long size = store.size(path);
        if (size < 0) {
            throw new IOException(store.location() + "/" + path + ": no such file");
        }
        if (size > MAX_FILE_BYTES) {
            throw new IOException(path + ": " + size + " bytes, more than a run.json may have (" + MAX_FILE_BYTES + ")");
        }
        return parse(path, store.open(path));
    }

    private static MutableRunLog parse(String name, InputStream stream) throws IOException {
        try (InputStream in = stream; JsonParser p = Json.FACTORY.createParser(in)) {
            return RunJsonReader.read(p);
        } catch (IOException | RuntimeException e) {
            throw new IOException(name + ": not a readable nnviz run (" + e.getMessage() + ")", e);
        }
    }
}
