package io.nnviz.dashboard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.nnviz.analysis.doctor.Finding;
import io.nnviz.api.ModelView;
import io.nnviz.recording.format.RunJson;
import io.nnviz.analysis.Curve;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.view.RunComparison;
import io.nnviz.recording.view.RunFigures;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.report.Tables;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One page of the dashboard, a run or a comparison of runs: its figures are {@link RunFigures}' or
 * {@link RunComparison}'s (the same as the report's), drawn on demand from
 * copies of the runs' bounded state, each at most once per change and per render interval, the SVG
 * cached. Never blocks training.
 */
final class RunView {
    /** What a page shows: the figures, and the run whose counters head it. */
    interface Content {
        /** The run whose step, epoch and loss the page's counters show. */
        RunLog counters();

        /** The page's figures. */
        List<RunFigures.Entry> entries();

        /** The runs table of a comparison, or null for a single run. */
        default RunComparison.Table table() {
            return null;
        }

        /** Changes whenever the table does. */
        default long tableVersion() {
            return 0;
        }

        /** The training doctor's findings on the page's run, most severe first, for the banner atop it (none for a comparison). */
        default List<Finding> findings() {
            return List.of();
        }

        /** Whether the page's run is over: its recorder closed ({@link RunLog#finishedAt}). */
        default boolean finished() {
            return counters().finishedAt().isPresent();
        }
    }

    /** Histogram figures shown (the first weights recorded), and the newest histograms drawn in each. */
    static final int MAX_HISTOGRAM_FIGURES = 8, RIDGES = 12;

    private final String name, title;
    private final Content content;
    private final long minRenderNanos;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final ArrayDeque<long[]> rate = new ArrayDeque<>(); // (nanoTime, step), newest last, at most 64

    private record Cached(long version, long renderedAt, byte[] svg) {
    }

    RunView(String name, Content content, long minRenderNanos) {
        this(name, name, content, minRenderNanos);
    }

    RunView(String name, String title, Content content, long minRenderNanos) {
        this.title = title;
        this.name = name;
        this.content = content;
        this.minRenderNanos = minRenderNanos;
    }

    /**
     * A run's page: the architecture of the model it trains once its recorder knows it (the
     * structure only, no weights, no forward pass: safe while the model trains), then the run's
     * figures; {@code findings} gives the doctor's findings for the banner.
     */
    static Content run(RunLog log, Supplier<Optional<ModelView>> model, Supplier<List<Finding>> findings) {
        return new Content() {
            @Override
            public List<Finding> findings() {
                return findings.get();
            }

            @Override
            public RunLog counters() {
                return log;
            }

            @Override
            public List<RunFigures.Entry> entries() {
                List<RunFigures.Entry> out = new ArrayList<>();
                model.get().ifPresent(m -> out.add(new RunFigures.Entry("architecture", "architecture", "Architecture",
                        "Architecture of " + m.name() + " (click a layer for its figures)", 1,
                        () -> ArchitectureDiagram.of(m).build())));
                out.addAll(RunFigures.of(log).histograms(MAX_HISTOGRAM_FIGURES, RIDGES).entries());
                return out;
            }
        };
    }

    /** Whether this page compares runs (and so has a runs table). */
    boolean comparison() {
        return content.table() != null;
    }

    /** The runs table's HTML (sortable, a box per run to hide it in the charts), or null for a run's page. */
    byte[] tableHtml() {
        RunComparison.Table t = content.table();
        return t == null ? null : Tables.html("runs", t.header(), t.rows(), t.colors()).getBytes(StandardCharsets.UTF_8);
    }

    String name() {
        return name;
    }

    /** What the page is called: its name, or for a run the watcher shows from its folder, the run's own name. */
    String title() {
        return title;
    }

    /** The state the page polls: counters, rate, the doctor's findings, and each figure's id, title and version. */
    byte[] stateJson() {
        RunLog log = content.counters();
        long step = log.lastStep(), now = System.nanoTime();
        double perSecond;
        synchronized (rate) {
            if (rate.isEmpty() || now - rate.peekLast()[0] > 200_000_000L) {
                rate.addLast(new long[] {now, step});
                if (rate.size() > 64) {
                    rate.removeFirst();
                }
            }
            while (rate.size() > 2 && now - rate.peekFirst()[0] > 10_000_000_000L) { // a 10-second window
                rate.removeFirst();
            }
            long[] first = rate.peekFirst(), last = rate.peekLast();
            perSecond = last[0] > first[0] ? (last[1] - first[1]) / ((last[0] - first[0]) / 1e9) : 0;
        }
        Curve loss = log.stepSeries("loss");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (JsonGenerator g = new JsonFactory().createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("run", name);
            g.writeNumberField("step", step);
            g.writeNumberField("epoch", log.lastEpoch());
            g.writeNumberField("stepsPerSecond", Math.round(perSecond * 10) / 10.0);
            g.writeNumberField("lossPoints", loss.size());
            g.writeFieldName("loss");
            RunJson.writeNumber(g, loss.last());
            g.writeNumberField("dropped", log.dropped());
            g.writeBooleanField("finished", content.finished()); // the page says "finished", not "live", once the recorder closed
            if (comparison()) {
                g.writeNumberField("table", content.tableVersion());
            }
            List<RunFigures.Entry> entries = content.entries();
            Banner.write(g, content.findings(), entries);
            g.writeArrayFieldStart("figures");
            for (RunFigures.Entry e : entries) {
                g.writeStartObject();
                g.writeStringField("id", e.id());
                g.writeStringField("title", e.title());
                g.writeNumberField("version", e.version());
                if (e.layer() != null) {
                    g.writeStringField("layer", e.layer());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A figure's SVG, drawn again only if its data changed and the last drawing is old enough; null if no such figure. */
    byte[] figure(String id) {
        for (RunFigures.Entry e : content.entries()) {
            if (!e.id().equals(id)) {
                continue;
            }
            long now = System.nanoTime();
            Cached c = cache.get(id);
            if (c != null && (c.version() == e.version() || now - c.renderedAt() < minRenderNanos)) {
                return c.svg();
            }
            synchronized (this) { // one drawing at a time per run: several viewers share it
                c = cache.get(id);
                if (c != null && (c.version() == e.version() || now - c.renderedAt() < minRenderNanos)) {
                    return c.svg();
                }
                byte[] svg = Figures.toSvg(e.figure()).getBytes(StandardCharsets.UTF_8);
                cache.put(id, new Cached(e.version(), System.nanoTime(), svg));
                return svg;
            }
        }
        return null;
    }
}
