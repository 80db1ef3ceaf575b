package io.nnviz.recording.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.nnviz.api.Histogram;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.recording.run.RunInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.nnviz.recording.format.Json.doubles;
import static io.nnviz.recording.format.Json.list;
import static io.nnviz.recording.format.Json.map;
import static io.nnviz.recording.format.Json.num;
import static io.nnviz.recording.format.Json.str;
import static io.nnviz.recording.format.Json.strings;

/**
 * Reads one {@code run.json} ({@link RunJson}'s layout, formats 1 and 2) into a run log: parsed
 * into a tree first, then every field checked (tensors against {@link RunJson#MAX_ELEMENTS} and
 * their declared shapes) as it is put into the log.
 */
final class RunJsonReader {
    private RunJsonReader() {
    }

    static MutableRunLog read(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new IOException("not a JSON object");
        }
        Map<String, Object> root = Json.objectOf(p);
        Object format = root.get("format");
        if (!RunJson.FORMAT.equals(format) && !"nnviz-run/1".equals(format)) {
            throw new IOException("format is " + format + ", not " + RunJson.FORMAT);
        }
        Map<String, Object> run = map(root.getOrDefault("run", Map.of()));
        int maxPoints = (int) Math.min(1 << 20, Math.max(2, num(root.getOrDefault("maxPoints", 1000))));
        MutableRunLog log = MutableRunLog.create(info(run, root), maxPoints);
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
            } catch (DateTimeParseException e) {
                throw new IOException("'finished' is not an instant: " + f, e);
            }
        }
        return log;
    }

    /** The series of one kind: restored whole (format 2), or added point by point (format 1, no reservoir state). */
    private static void series(MutableRunLog log, Map<String, Object> all, boolean epochs) throws IOException {
        for (Map.Entry<String, Object> e : all.entrySet()) {
            Map<String, Object> s = map(e.getValue());
            double[] x = doubles(s.containsKey("x") ? s.get("x") : s.get("steps"));
            double[] y = doubles(s.get("values"));
            if (x.length != y.length) {
                throw new IOException("series '" + e.getKey() + "' has " + x.length + " x values and " + y.length + " values");
            }
            if (s.containsKey("stride")) {
                log.restoreSeries(e.getKey(), epochs, new MutableRunLog.SeriesState(x, y, (int) num(s.get("stride")), (long) num(s.get("seen"))));
            } else {
                log.restoreSeries(e.getKey(), epochs, new MutableRunLog.SeriesState(new double[0], new double[0], 1, 0)); // listed even if empty
                for (int i = 0; i < x.length; i++) {
                    if (epochs) {
                        log.epochScalar(e.getKey(), (int) x[i], y[i]);
                    } else {
                        log.scalar(e.getKey(), (long) x[i], y[i]);
                    }
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
            if (!(d >= 1 && d <= RunJson.MAX_ELEMENTS) || (elements *= (long) d) > RunJson.MAX_ELEMENTS) {
                throw new IOException("a tensor of shape " + dims + " is empty or larger than " + RunJson.MAX_ELEMENTS + " elements");
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
        return new RunInfo(str(run.getOrDefault("id", UUID.randomUUID().toString())),
                str(run.getOrDefault("name", str(root.getOrDefault("model", "run")))),
                map(run.getOrDefault("hyperparameters", Map.of())), strings(run.getOrDefault("tags", List.of())),
                run.containsKey("started") ? Instant.parse(str(run.get("started"))) : Instant.EPOCH,
                str(run.getOrDefault("model", root.getOrDefault("model", ""))),
                str(run.getOrDefault("framework", root.getOrDefault("framework", ""))),
                (long) num(run.getOrDefault("parameters", root.getOrDefault("parameters", -1))),
                strings(run.getOrDefault("classNames", List.of())));
    }
}
