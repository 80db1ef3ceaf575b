package io.nnviz.recording;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.nnviz.recording.storage.LocalRunStore;
import io.nnviz.recording.storage.RunStore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A run's append-only event log, {@code events.jsonl}: the one place that knows its format. The
 * first line is the run ({@code {"run": {...}}}, as in {@code run.json}), then one line per
 * scalar ({@code {"s": NAME, "step": N, "v": X, "t": MILLIS}}) or epoch value ({@code {"e": NAME,
 * "epoch": E, "v": X, "t": MILLIS}}), {@code t} the wall clock when it was written; the recorder's close adds
 * {@code {"end": MILLIS}}, so a reader tells a finished run from one still training (values after an
 * end, a resumed run's, reopen it). Each record is one write of one whole line to a file opened for appending, so a reader
 * sees the run while it is written, and a process killed mid-write leaves every record before the
 * last whole: {@link #read} ignores a torn last line (and counts any other line it cannot read, or
 * longer than {@value #MAX_LINE_BYTES} bytes, which it skips without holding).
 * {@code run.json} ({@link RunJson}) keeps the rest of a run (histograms, filters, probes) at
 * flushes; {@link Runs} reads whichever of the two holds more. A run written by several workers
 * has one log per worker ({@code events.WORKER.jsonl}, {@link #fileFor}), merged by step when read.
 * The log goes through a {@link RunStore}, so it may live on HDFS or S3 as well as on a local disk.
 */
public final class RunEvents implements RunSink {
    /** The log's file in a run's directory (a run written by one process). */
    public static final String FILE = "events.jsonl";
    /** How long a segment stays open on a store whose records are seen only once a file is closed (S3). */
    static final long ROLL_MILLIS = 30_000;
    private final RunStore store;
    private final String base;
    private final byte[] header;
    private RunStore.Appender out;
    private String file;
    private int segment;
    private long opened;
    private boolean closed;

    /** A sink appending to the local {@code file}, whose first line is {@code log}'s run (written now if the file is new). */
    public RunEvents(Path file, RunLog log) throws IOException {
        this(new LocalRunStore(file.toAbsolutePath().getParent()), file.getFileName().toString(), log);
    }

    /**
     * A sink appending to {@code path} in {@code store}. Where the store shows a record only once
     * its file is closed (S3), or cannot append to an existing file, the log goes on in segments
     * ({@code events-1.jsonl}, ...), each closed at a flush or after {@value #ROLL_MILLIS} ms and
     * each starting with the run's line; readers merge them by step.
     */
    public RunEvents(RunStore store, String path, RunLog log) throws IOException {
        if (!isLog(path.substring(path.lastIndexOf('/') + 1))) {
            throw new IllegalArgumentException(path + ": an event log's name is events[.WORKER].jsonl");
        }
        this.store = store;
        this.base = path;
        this.header = line(g -> {
            g.writeStartObject();
            RunJson.writeInfo(g, log.info());
            g.writeEndObject();
        });
        open();
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

    private static String segmentName(String base, int n) {
        return n == 0 ? base : base.substring(0, base.length() - ".jsonl".length()) + "-" + n + ".jsonl";
    }

    private void open() throws IOException {
        for (; ; segment++) {
            String name = segmentName(base, segment);
            long size = store.size(name);
            if (size > 0) {
                try {
                    out = store.append(name); // a resumed run goes on in its own file where the store can append
                } catch (UnsupportedOperationException e) {
                    continue;
                }
                if (!out.visibleAtOnce()) {
                    out.close(); // appended records would hide the file's earlier ones until closed: start a segment instead
                    out = null;
                    continue;
                }
            } else {
                out = store.append(name);
                out.append(header);
            }
            file = name;
            opened = System.currentTimeMillis();
            return;
        }
    }

    /** The file being written (the latest segment), relative to the store's root. */
    public synchronized String file() {
        return file;
    }

    private interface Record {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] line(Record r) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (JsonGenerator g = RunJson.JSON.createGenerator(bytes)) {
            r.write(g);
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }

    private synchronized void append(Record r) throws IOException {
        if (closed) {
            return;
        }
        if (out == null) {
            segment++;
            open();
        }
        out.append(line(r)); // one append of the whole line: never interleaved with another record
        if (!out.visibleAtOnce() && System.currentTimeMillis() - opened > ROLL_MILLIS) {
            roll();
        }
    }

    /** Closes the current segment (readers see it whole); the next record starts another. */
    private void roll() throws IOException {
        RunStore.Appender o = out;
        out = null;
        o.close();
    }

    @Override
    public void scalar(String name, long step, double value) throws IOException {
        value("s", name, "step", step, value);
    }

    @Override
    public void epochScalar(String name, int epoch, double value) throws IOException {
        value("e", name, "epoch", epoch, value);
    }

    /** One value's record: {@code {KIND: NAME, AT: INDEX, "v": VALUE}}. */
    private void value(String kind, String name, String at, long index, double value) throws IOException {
        append(g -> {
            g.writeStartObject();
            g.writeStringField(kind, name);
            g.writeNumberField(at, index);
            value(g, value);
            g.writeNumberField("t", System.currentTimeMillis());
            g.writeEndObject();
        });
    }

    private static void value(JsonGenerator g, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField("v", v);
        } else {
            g.writeStringField("v", Double.toString(v));
        }
    }

    @Override
    public synchronized void flush(RunLog log) throws IOException {
        if (out != null) {
            if (out.visibleAtOnce()) {
                out.flush();
            } else {
                roll();
            }
        }
    }

    @Override
    public synchronized void close(RunLog log) throws IOException {
        if (!closed) {
            if (log.finishedAt().isPresent()) {
                long at = log.finishedAt().getAsLong();
                append(g -> {
                    g.writeStartObject();
                    g.writeNumberField("end", at);
                    g.writeEndObject();
                });
            }
            closed = true;
            if (out != null) {
                out.close();
                out = null;
            }
        }
    }

    /** What a log read back gave: the run, and how many lines (not counting a torn last one) could not be read. */
    public record Read(RunLog log, int badLines, boolean tornLast) {
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
            RunLog log = header(path, first, maxPoints);
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
            Points p = epoch ? log.epochSeries(name) : log.stepSeries(name);
            return !p.isEmpty() && p.x(p.size() - 1) >= index;
        }
    }

    /**
     * The log's last whole value record, read from its end only (empty if none is found there),
     * so a reader can skip a log its snapshot already holds.
     */
    public static java.util.Optional<Last> last(RunStore store, String path) throws IOException {
        String text = new String(store.tail(path, 1 << 14), StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        long finished = 0;
        while (end > 0) {
            int start = text.lastIndexOf('\n', end - 1);
            if (start < 0) {
                return java.util.Optional.empty(); // the line may have begun before the tail
            }
            String line = text.substring(start + 1, end);
            Last last = lastOf(line);
            if (last != null) {
                return java.util.Optional.of(new Last(last.name(), last.epoch(), last.index(), finished));
            }
            finished = finished > 0 ? finished : endOf(line);
            end = start;
        }
        return java.util.Optional.empty();
    }

    private static Last lastOf(String line) {
        try (JsonParser p = RunJson.JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Map<String, Object> r = RunJson.Reader.objectOf(p);
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
        try (JsonParser p = RunJson.JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME || p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                return 0;
            }
            long at = p.getLongValue();
            return at > 0 && p.nextToken() == JsonToken.END_OBJECT && p.nextToken() == null ? at : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static RunLog header(String file, String line, int maxPoints) throws IOException {
        try (JsonParser p = RunJson.JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            Map<String, Object> first = RunJson.Reader.objectOf(p);
            if (!(first.get("run") instanceof Map<?, ?>)) {
                throw new IOException("its first line is not the run");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> run = (Map<String, Object>) first.get("run");
            return RunLog.create(RunJson.Reader.info(run, Map.of()), maxPoints);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": not an nnviz event log (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Adds one record line to {@code log}; false if the line is not one. Read field by field as it
     * streams (no tree of maps): a log holds a line per value, so this is most of reading one.
     */
    private static boolean record(RunLog log, String line) {
        try (JsonParser p = RunJson.JSON.createParser(line)) {
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
