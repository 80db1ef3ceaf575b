package io.nnviz.recording;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A run's append-only event log, {@code events.jsonl}: the one place that knows its format. The
 * first line is the run ({@code {"run": {...}}}, as in {@code run.json}), then one line per
 * scalar ({@code {"s": NAME, "step": N, "v": X, "t": MILLIS}}) or epoch value ({@code {"e": NAME,
 * "epoch": E, "v": X, "t": MILLIS}}), {@code t} the wall clock when it was written. Each record is one write of one whole line to a file opened for appending, so a reader
 * sees the run while it is written, and a process killed mid-write leaves every record before the
 * last whole: {@link #read} ignores a torn last line (and counts any other line it cannot read).
 * {@code run.json} ({@link RunJson}) keeps the rest of a run (histograms, filters, probes) at
 * flushes; {@link Runs} reads whichever of the two holds more.
 */
public final class RunEvents implements RunSink {
    /** The log's file in a run's directory. */
    public static final String FILE = "events.jsonl";
    private final Path file;
    private FileChannel channel;

    /** A sink appending to {@code file}, whose first line is {@code log}'s run (written now if the file is new). */
    public RunEvents(Path file, RunLog log) throws IOException {
        this.file = file;
        Files.createDirectories(file.toAbsolutePath().getParent());
        boolean fresh = !Files.exists(file) || Files.size(file) == 0;
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        if (fresh) {
            append(g -> {
                g.writeStartObject();
                RunJson.writeInfo(g, log.info());
                g.writeEndObject();
            });
        }
    }

    /** The file written. */
    public Path file() {
        return file;
    }

    private interface Record {
        void write(JsonGenerator g) throws IOException;
    }

    private synchronized void append(Record r) throws IOException {
        if (channel == null) {
            return;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (JsonGenerator g = RunJson.JSON.createGenerator(bytes)) {
            r.write(g);
        }
        bytes.write('\n');
        ByteBuffer b = ByteBuffer.wrap(bytes.toByteArray());
        while (b.hasRemaining()) {
            channel.write(b); // one append of the whole line (O_APPEND): never interleaved with another record
        }
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
        if (channel != null) {
            channel.force(false);
        }
    }

    @Override
    public synchronized void close(RunLog log) throws IOException {
        if (channel != null) {
            channel.force(false);
            channel.close();
            channel = null;
        }
    }

    /** What a log read back gave: the run, and how many lines (not counting a torn last one) could not be read. */
    public record Read(RunLog log, int badLines, boolean tornLast) {
    }

    /** Reads an event log back into a run log of {@code maxPoints} points a series, line by line (memory: the log's own bound). */
    public static Read read(Path file, int maxPoints) throws IOException {
        boolean complete = Files.size(file) == 0 || endsWithNewline(file);
        // an InputStreamReader replaces bytes that are not UTF-8 (a line cut inside a character) instead of failing
        try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
            String first = in.readLine();
            if (first == null) {
                throw new IOException(file + ": an empty event log");
            }
            RunLog log = header(file, first, maxPoints);
            int bad = 0;
            boolean torn = false;
            String line = in.readLine();
            while (line != null) {
                String next = in.readLine();
                if (!record(log, line)) {
                    if (next == null && !complete) {
                        torn = true; // the record a killed writer was in the middle of
                    } else {
                        bad++;
                    }
                }
                line = next;
            }
            return new Read(log, bad, torn);
        }
    }

    private static RunLog header(Path file, String line, int maxPoints) throws IOException {
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

    /** Adds one record line to {@code log}; false if the line is not one. */
    private static boolean record(RunLog log, String line) {
        try (JsonParser p = RunJson.JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            Map<String, Object> r = RunJson.Reader.objectOf(p);
            if (p.nextToken() != null) {
                return false; // more after the object: two records run together
            }
            double v = r.get("v") instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(r.get("v")));
            if (r.get("t") instanceof Number t) {
                log.wallClock(t.longValue());
            }
            if (r.get("s") instanceof String name && r.get("step") instanceof Number step) {
                log.scalar(name, step.longValue(), v);
                log.advance(step.longValue(), log.lastEpoch());
                return true;
            }
            if (r.get("e") instanceof String name && r.get("epoch") instanceof Number epoch) {
                log.epochScalar(name, epoch.intValue(), v);
                return true;
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean endsWithNewline(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            c.read(b, c.size() - 1);
            return b.get(0) == '\n';
        }
    }
}
