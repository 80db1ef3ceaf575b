package io.nnviz.recording.format;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.analysis.Curve;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.storage.LocalRunStore;
import io.nnviz.recording.storage.RunStore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A run's append-only event log, {@code events.jsonl}: the one place that knows its format, its
 * lines written (one record each) and read back. The first line is the run ({@code {"run": {...}}},
 * as in {@code run.json}), then one line per scalar ({@code {"s": NAME, "step": N, "v": X, "t": MILLIS}})
 * or epoch value ({@code {"e": NAME, "epoch": E, "v": X, "t": MILLIS}}), {@code t} the wall clock
 * when it was written; the recorder's close adds {@code {"end": MILLIS}}, so a reader tells a
 * finished run from one still training (values after an end, a resumed run's, reopen it). A writer
 * ({@code EventLogSink}) appends each record as one write of one whole line, so a reader sees the
 * run while it is written, and a process killed mid-write leaves every record before the last
 * whole: {@link #read} ignores a torn last line (and counts any other line it cannot read, or
 * longer than {@value #MAX_LINE_BYTES} bytes, which it skips without holding).
 * {@code run.json} ({@link RunJson}) keeps the rest of a run (histograms, filters, probes) at
 * flushes; {@code Runs} reads whichever of the two holds more. A run written by several workers
 * has one log per worker ({@code events.WORKER.jsonl}, {@link #fileFor}), and a store that shows a
 * file only once closed gets segments ({@code events-1.jsonl}, {@link #segment}); all are merged
 * by step when read. Logs are read through a {@link RunStore}, so they may live on HDFS or S3 as
 * well as on a local disk.
 */
public final class RunEvents {
    /** The log's file in a run's directory (a run written by one process). */
    public static final String FILE = "events.jsonl";

    private RunEvents() {
    }

    /** The event log of worker {@code worker} (letters, digits and {@code _}) in a run written by several, or {@link #FILE} for null. */
    public static String fileFor(String worker) {
        if (worker == null) {
            return FILE;
        }
        if (!worker.matches("[A-Za-z0-9_]{1,64}")) {
            throw new IllegalArgumentException("a worker id is 1 to 64 letters, digits or _: " + worker);
        }
        return "events." + worker + ".jsonl";
    }

    /** Whether a file name is one of a run's event logs or their segments ({@code events[.WORKER][-N].jsonl}). */
    public static boolean isLog(String name) {
        return name.matches("events(\\.[A-Za-z0-9_]{1,64})?(-[0-9]{1,9})?\\.jsonl");
    }

    /** Segment {@code n} of the log at {@code path}: the path itself for 0, else {@code events[.WORKER]-N.jsonl}. */
    public static String segment(String path, int n) {
        return n == 0 ? path : path.substring(0, path.length() - ".jsonl".length()) + "-" + n + ".jsonl";
    }

    // ---- writing: one line per record ----------------------------------------------------------

    /** The log's first line: the run. */
    public static byte[] runLine(RunInfo info) throws IOException {
        return line(g -> {
            g.writeStartObject();
            RunJson.writeInfo(g, info);
            g.writeEndObject();
        });
    }

    /** The line of a step value, written at {@code millis}. */
    public static byte[] scalarLine(String name, long step, double value, long millis) throws IOException {
        return valueLine("s", name, "step", step, value, millis);
    }

    /** The line of an epoch value (zero-based epoch), written at {@code millis}. */
    public static byte[] epochLine(String name, int epoch, double value, long millis) throws IOException {
        return valueLine("e", name, "epoch", epoch, value, millis);
    }

    /** The line that ends a run, closed at {@code millis}. */
    public static byte[] endLine(long millis) throws IOException {
        return line(g -> {
            g.writeStartObject();
            g.writeNumberField("end", millis);
            g.writeEndObject();
        });
    }

    /** One value's record: {@code {KIND: NAME, AT: INDEX, "v": VALUE, "t": MILLIS}}. */
    private static byte[] valueLine(String kind, String name, String at, long index, double value, long millis) throws IOException {
        return line(g -> {
            g.writeStartObject();
            g.writeStringField(kind, name);
            g.writeNumberField(at, index);
            g.writeFieldName("v");
            Json.number(g, value);
            g.writeNumberField("t", millis);
            g.writeEndObject();
        });
    }

    private interface Record {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] line(Record r) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (JsonGenerator g = Json.FACTORY.createGenerator(bytes)) {
            r.write(g);
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }

    // ---- reading -------------------------------------------------------------------------------

    /** What a log read back gave: the run, and how many lines (not counting a torn last one) could not be read. */
    public record Read(MutableRunLog log, int badLines, boolean tornLast) {
    }

    /** The longest line read (a record is about 100 bytes): a longer one is skipped without being held, and counted as bad. */
    static final int MAX_LINE_BYTES = 1 << 20;

    /** Reads a local event log back into a run log of {@code maxPoints} points a series. */
    public static Read read(Path file, int maxPoints) throws IOException {
        Path real = file.toRealPath(); // the caller named this very file: if it is a link, where it leads is what was meant
        return read(new LocalRunStore(real.getParent()), real.getFileName().toString(), maxPoints);
    }

    /**
     * Reads an event log back into a run log of {@code maxPoints} points a series, line by line
     * (memory: the log's own bound, and one line of at most {@value #MAX_LINE_BYTES} bytes; a longer
     * line is a bad one).
     */
    public static Read read(RunStore store, String path, int maxPoints) throws IOException {
        byte[] last = store.tail(path, 1);
        boolean complete = last.length == 0 || last[0] == '\n';
        // bytes that are not UTF-8 (a line cut inside a character) read as U+FFFD instead of failing
        try (BoundedLines in = new BoundedLines(store.open(path), MAX_LINE_BYTES)) {
            String first = in.next();
            if (in.skipped() > 0) {
                throw new IOException(path + ": not an nnviz event log (its first line is over " + MAX_LINE_BYTES + " bytes)");
            }
            if (first == null) {
                throw new IOException(path + ": an empty event log");
            }
            MutableRunLog log = header(path, first, maxPoints);
            int bad = 0;
            boolean torn = false;
            String line = in.next();
            while (line != null) {
                String next = in.next();
                long end = endOf(line);
                if (end > 0) {
                    log.finish(end);
                } else if (!record(log, line)) {
                    if (next == null && !complete) {
                        torn = true; // the record a killed writer was in the middle of
                    } else {
                        bad++;
                    }
                }
                line = next;
            }
            return new Read(log, (int) Math.min(Integer.MAX_VALUE, bad + in.skipped()), torn);
        }
    }

    /**
     * A log's last value record: a step ({@code epoch == false}) or epoch value of series {@code name}
     * at {@code index}; {@code finishedAt} the time of an end record after it, or 0 if none.
     */
    public record Last(String name, boolean epoch, long index, long finishedAt) {
        /** Whether {@code log} holds this record's series up to its index (so every record before it too). */
        public boolean coveredBy(RunLog log) {
            List<String> names = epoch ? log.epochSeriesNames() : log.stepSeriesNames();
            if (!names.contains(name)) {
                return false;
            }
            Curve p = epoch ? log.epochSeries(name) : log.stepSeries(name);
            return !p.isEmpty() && p.x(p.size() - 1) >= index;
        }
    }

    /**
     * The log's last whole value record, read from its end only (empty if none is found there),
     * so a reader can skip a log its snapshot already holds.
     */
    public static Optional<Last> last(RunStore store, String path) throws IOException {
        String text = new String(store.tail(path, 1 << 14), StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        long finished = 0;
        while (end > 0) {
            int start = text.lastIndexOf('\n', end - 1);
            if (start < 0) {
                return Optional.empty(); // the line may have begun before the tail
            }
            String line = text.substring(start + 1, end);
            Last last = lastOf(line);
            if (last != null) {
                return Optional.of(new Last(last.name(), last.epoch(), last.index(), finished));
            }
            finished = finished > 0 ? finished : endOf(line);
            end = start;
        }
        return Optional.empty();
    }

    private static Last lastOf(String line) {
        try (JsonParser p = Json.FACTORY.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Map<String, Object> r = Json.objectOf(p);
            if (r.get("s") instanceof String name && r.get("step") instanceof Number n) {
                return new Last(name, false, n.longValue(), 0);
            }
            if (r.get("e") instanceof String name && r.get("epoch") instanceof Number n) {
                return new Last(name, true, n.longValue(), 0);
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The time of an end record ({@code {"end": MILLIS}}), or 0 if the line is not one. */
    private static long endOf(String line) {
        if (!line.startsWith("{\"end\":")) {
            return 0; // most lines are values: not parsed twice
        }
        try (JsonParser p = Json.FACTORY.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME || p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                return 0;
            }
            long at = p.getLongValue();
            return at > 0 && p.nextToken() == JsonToken.END_OBJECT && p.nextToken() == null ? at : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static MutableRunLog header(String file, String line, int maxPoints) throws IOException {
        try (JsonParser p = Json.FACTORY.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            Map<String, Object> first = Json.objectOf(p);
            if (!(first.get("run") instanceof Map<?, ?>)) {
                throw new IOException("its first line is not the run");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> run = (Map<String, Object>) first.get("run");
            return MutableRunLog.create(RunJsonReader.info(run, Map.of()), maxPoints);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": not an nnviz event log (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Adds one record line to {@code log}; false if the line is not one. Read field by field as it
     * streams (no tree of maps): a log holds a line per value, so this is most of reading one.
     */
    private static boolean record(MutableRunLog log, String line) {
        try (JsonParser p = Json.FACTORY.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            String kind = null, name = null, indexField = null;
            long index = 0, t = -1;
            double v = Double.NaN;
            boolean hasValue = false;
            JsonToken tok;
            while ((tok = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                tok = p.nextToken();
                switch (field) {
                    case "s", "e" -> {
                        if (tok != JsonToken.VALUE_STRING || kind != null) {
                            return false;
                        }
                        kind = field;
                        name = p.getText();
                    }
                    case "step", "epoch" -> {
                        if (tok != JsonToken.VALUE_NUMBER_INT || indexField != null) {
                            return false;
                        }
                        indexField = field;
                        index = p.getLongValue();
                    }
                    case "v" -> {
                        if (tok == JsonToken.VALUE_NUMBER_INT || tok == JsonToken.VALUE_NUMBER_FLOAT) {
                            v = p.getDoubleValue();
                        } else if (tok == JsonToken.VALUE_STRING) {
                            v = Double.parseDouble(p.getText()); // NaN, Infinity, -Infinity
                        } else {
                            return false;
                        }
                        hasValue = true;
                    }
                    case "t" -> {
                        if (tok == JsonToken.VALUE_NUMBER_INT) {
                            t = p.getLongValue();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (tok != JsonToken.END_OBJECT || p.nextToken() != null || !hasValue || kind == null) {
                return false; // cut short, or more after the object: two records run together
            }
            if (t > 0) {
                log.wallClock(t);
            }
            if (log.finishedAt().isPresent()) {
                log.reopen(); // values after an end: the run was resumed
            }
            if (kind.equals("s") && "step".equals(indexField)) {
                log.scalar(name, index, v);
                log.advance(index, log.lastEpoch());
                return true;
            }
            if (kind.equals("e") && "epoch".equals(indexField) && index >= 0 && index <= Integer.MAX_VALUE) {
                log.epochScalar(name, (int) index, v);
                return true;
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
