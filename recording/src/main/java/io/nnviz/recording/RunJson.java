package io.nnviz.recording;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.nnviz.api.Histogram;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code run.json}, format {@code nnviz-run/2}: a whole {@link RunLog}, written atomically and read
 * back so that a run can be reported again or continued. The one place that knows the format.
 *
 * <pre>{@code
 * RunJson.write(recorder.log(), Path.of("report/run.json"));
 * RunLog run = RunJson.read(Path.of("report/run.json"));
 * }</pre>
 *
 * Layout: {@code run} (id, name, started, model, framework, parameters, hyperparameters, tags,
 * classNames); {@code lastStep}, {@code lastEpoch}, {@code epochsEnded}, {@code maxPoints},
 * {@code dropped}, {@code notes}, {@code updated} and {@code finished} (ISO instants; {@code finished} once the recorder closed); {@code series} and {@code epochSeries} (per name: {@code x}, {@code values},
 * and the reservoir's {@code stride} and {@code seen}); {@code histograms} (per weight: a list of
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

    static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength((int) MAX_FILE_BYTES).build())
            .build();

    private RunJson() {
    }

    // ---- writing -------------------------------------------------------------------------------

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
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
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
            } else if (v instanceof Number n) {
                number(g, n.doubleValue(), n);
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

    private static void number(JsonGenerator g, double d, Number n) throws IOException {
        if (!Double.isFinite(d)) {
            g.writeString(Double.toString(d)); // JSON has no NaN or Infinity
        } else if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            g.writeNumber(n.longValue());
        } else {
            g.writeNumber(d);
        }
    }

    private static void writeSeries(JsonGenerator g, String field, RunLog log, List<String> names, boolean epochs) throws IOException {
        g.writeObjectFieldStart(field);
        for (String name : names) {
            Object[] st = log.reservoir(name, epochs).state();
            double[] x = (double[]) st[0], y = (double[]) st[1];
            g.writeObjectFieldStart(name);
            g.writeFieldName("x");
            g.writeStartArray();
            for (double v : x) {
                g.writeNumber((long) v);
            }
            g.writeEndArray();
            g.writeFieldName("values");
            g.writeStartArray();
            for (double v : y) {
                number(g, v, v);
            }
            g.writeEndArray();
            g.writeNumberField("stride", (Integer) st[2]);
            g.writeNumberField("seen", (Long) st[3]);
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
    public static RunLog read(Path file) throws IOException {
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
    public static RunLog read(RunStore store, String path) throws IOException {
        long size = store.size(path);
        if (size < 0) {
            throw new IOException(store.location() + "/" + path + ": no such file");
        }
        if (size > MAX_FILE_BYTES) {
            throw new IOException(path + ": " + size + " bytes, more than a run.json may have (" + MAX_FILE_BYTES + ")");
        }
        return parse(path, store.open(path));
    }

    private static RunLog parse(String name, InputStream stream) throws IOException {
        try (InputStream in = stream; JsonParser p = JSON.createParser(in)) {
            return new Reader(p).read();
        } catch (IOException | RuntimeException e) {
            throw new IOException(name + ": not a readable nnviz run (" + e.getMessage() + ")", e);
        }
    }

    /** A parse of one file into a tree of maps and lists, then into a run log. */
    static final class Reader {
        private final JsonParser p;

        Reader(JsonParser p) {
            this.p = p;
        }

        RunLog read() throws IOException {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            Map<String, Object> root = object();
            Object format = root.get("format");
            if (!"nnviz-run/2".equals(format) && !"nnviz-run/1".equals(format)) {
                throw new IOException("format is " + format + ", not " + FORMAT);
            }
            Map<String, Object> run = map(root.getOrDefault("run", Map.of()));
            int maxPoints = (int) Math.min(1 << 20, Math.max(2, num(root.getOrDefault("maxPoints", 1000))));
            RunLog log = RunLog.create(info(run, root), maxPoints);
            if (root.get("updated") != null) {
                log.wallClock(Instant.parse(str(root.get("updated"))).toEpochMilli());
            }
            for (Map.Entry<String, Object> n : map(root.getOrDefault("notes", Map.of())).entrySet()) {
                log.note(n.getKey(), str(n.getValue()));
            }
            series(log, map(root.getOrDefault("series", Map.of())), false);
            series(log, map(root.getOrDefault("epochSeries", Map.of())), true);
            for (Map.Entry<String, Object> e : map(root.getOrDefault("histograms", Map.of())).entrySet()) {
                for (Object o : list(e.getValue())) {
                    Map<String, Object> h = map(o);
                    List<Object> c = list(h.get("counts"));
                    long[] counts = new long[c.size()];
                    for (int i = 0; i < counts.length; i++) {
                        counts[i] = (long) num(c.get(i));
                    }
                    log.histogram(e.getKey(), (long) num(h.get("step")),
                            Histogram.ofCounts(num(h.get("min")), num(h.get("max")), counts, (long) num(h.getOrDefault("nonFinite", 0))));
                }
            }
            Map<String, Object> filters = map(root.getOrDefault("filters", Map.of()));
            for (String which : new String[] {"first", "latest"}) {
                if (filters.containsKey(which)) {
                    Map<String, Object> f = map(filters.get(which));
                    WeightTensor w = WeightTensor.of(str(f.get("layer")), str(f.get("name")), WeightRole.valueOf(str(f.get("role"))), tensor(f));
                    log.filters((long) num(f.get("step")), w);
                }
            }
            Map<String, Object> probes = map(root.getOrDefault("probes", Map.of()));
            if (probes.containsKey("inputs")) {
                log.probeInputs(tensor(map(probes.get("inputs"))));
            }
            for (String which : new String[] {"first", "latest"}) {
                if (probes.containsKey(which)) {
                    Map<String, Object> pr = map(probes.get(which));
                    Map<String, Tensor> acts = new LinkedHashMap<>();
                    for (Map.Entry<String, Object> e : map(pr.getOrDefault("layers", Map.of())).entrySet()) {
                        acts.put(e.getKey(), tensor(map(e.getValue())));
                    }
                    log.probes((long) num(pr.get("step")), acts);
                }
            }
            log.advance((long) num(root.getOrDefault("lastStep", 0)), (int) num(root.getOrDefault("lastEpoch", 0)));
            int ended = (int) num(root.getOrDefault("epochsEnded", 0));
            if (ended > 0) {
                log.epochEnded(ended - 1);
            }
            log.dropped((long) num(root.getOrDefault("dropped", root.getOrDefault("histogramJobsDropped", 0))));
            if (root.get("finished") instanceof String f) {
                try {
                    log.finish(Instant.parse(f).toEpochMilli());
                } catch (java.time.format.DateTimeParseException e) {
                    throw new IOException("'finished' is not an instant: " + f, e);
                }
            }
            return log;
        }

        private static void series(RunLog log, Map<String, Object> all, boolean epochs) throws IOException {
            for (Map.Entry<String, Object> e : all.entrySet()) {
                Map<String, Object> s = map(e.getValue());
                double[] x = doubles(s.containsKey("x") ? s.get("x") : s.get("steps"));
                double[] y = doubles(s.get("values"));
                if (x.length != y.length) {
                    throw new IOException("series '" + e.getKey() + "' has " + x.length + " x values and " + y.length + " values");
                }
                Series r = log.reservoir(e.getKey(), epochs);
                if (s.containsKey("stride")) {
                    r.restore(x, y, (int) num(s.get("stride")), (long) num(s.get("seen")));
                } else {
                    for (int i = 0; i < x.length; i++) {
                        r.add(x[i], y[i]);
                    }
                }
            }
        }

        private static Tensor tensor(Map<String, Object> t) throws IOException {
            List<Object> dims = list(t.get("shape"));
            int[] shape = new int[dims.size()];
            long elements = 1;
            for (int i = 0; i < shape.length; i++) {
                double d = num(dims.get(i));
                if (!(d >= 1 && d <= MAX_ELEMENTS) || (elements *= (long) d) > MAX_ELEMENTS) {
                    throw new IOException("a tensor of shape " + dims + " is empty or larger than " + MAX_ELEMENTS + " elements");
                }
                shape[i] = (int) d;
            }
            byte[] data = Base64.getDecoder().decode(str(t.get("data")));
            if (data.length != elements * 4) {
                throw new IOException("a tensor of shape " + dims + " needs " + elements * 4 + " bytes of data, it has " + data.length);
            }
            float[] v = new float[(int) elements];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            return Tensor.adopt(Shape.of(shape), v);
        }

        /** A run's info from its {@code run} object ({@code root}: the enclosing object, for files of format 1). */
        static RunInfo info(Map<String, Object> run, Map<String, Object> root) throws IOException {
            RunInfo info = new RunInfo(str(run.getOrDefault("id", java.util.UUID.randomUUID().toString())),
                    str(run.getOrDefault("name", str(root.getOrDefault("model", "run")))),
                    map(run.getOrDefault("hyperparameters", Map.of())), strings(run.getOrDefault("tags", List.of())),
                    run.containsKey("started") ? Instant.parse(str(run.get("started"))) : Instant.EPOCH,
                    str(run.getOrDefault("model", root.getOrDefault("model", ""))),
                    str(run.getOrDefault("framework", root.getOrDefault("framework", ""))),
                    (long) num(run.getOrDefault("parameters", root.getOrDefault("parameters", -1))),
                    strings(run.getOrDefault("classNames", List.of())));
            return info;
        }

        /** The next JSON object of {@code p} (positioned on its start) as maps and lists. */
        static Map<String, Object> objectOf(JsonParser p) throws IOException {
            return new Reader(p).object();
        }

        private Map<String, Object> object() throws IOException {
            Map<String, Object> m = new LinkedHashMap<>();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                if (t != JsonToken.FIELD_NAME) {
                    throw new IOException("expected a field name at " + p.currentLocation());
                }
                String name = p.currentName();
                p.nextToken();
                m.put(name, value());
            }
            return m;
        }

        private Object value() throws IOException {
            JsonToken t = p.currentToken();
            if (t == null) {
                throw new IOException("the file ends early");
            }
            return switch (t) {
                case START_OBJECT -> object();
                case START_ARRAY -> {
                    List<Object> l = new ArrayList<>();
                    for (JsonToken x = p.nextToken(); x != JsonToken.END_ARRAY; x = p.nextToken()) {
                        if (x == null) {
                            throw new IOException("the file ends early");
                        }
                        l.add(value());
                    }
                    yield l;
                }
                case VALUE_STRING -> p.getText();
                case VALUE_NUMBER_INT -> p.getLongValue();
                case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case VALUE_NULL -> "null";
                default -> throw new IOException("unexpected " + t + " at " + p.currentLocation());
            };
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> map(Object o) throws IOException {
            if (o instanceof Map<?, ?> m) {
                return (Map<String, Object>) m;
            }
            throw new IOException("expected an object, found " + kind(o));
        }

        @SuppressWarnings("unchecked")
        private static List<Object> list(Object o) throws IOException {
            if (o instanceof List<?> l) {
                return (List<Object>) l;
            }
            throw new IOException("expected a list, found " + kind(o));
        }

        private static String str(Object o) throws IOException {
            if (o instanceof String s) {
                return s;
            }
            throw new IOException("expected a string, found " + kind(o));
        }

        private static List<String> strings(Object o) throws IOException {
            List<String> out = new ArrayList<>();
            for (Object x : list(o)) {
                out.add(str(x));
            }
            return out;
        }

        private static double num(Object o) throws IOException {
            if (o instanceof Number n) {
                return n.doubleValue();
            }
            if (o instanceof String s && (s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity"))) {
                return Double.parseDouble(s);
            }
            throw new IOException("expected a number, found " + kind(o));
        }

        private static double[] doubles(Object o) throws IOException {
            List<Object> l = list(o);
            double[] out = new double[l.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = num(l.get(i));
            }
            return out;
        }

        private static String kind(Object o) {
            return o == null ? "nothing" : o instanceof Map ? "an object" : o instanceof List ? "a list" : "'" + o + "'";
        }
    }
}
