package io.nnviz.recording.sink;

import io.nnviz.api.Histogram;
import io.nnviz.api.hook.MetricNames;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.storage.LocalRunStore;
import io.nnviz.recording.storage.RunStore;
import io.nnviz.renderers.canvas.RasterImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Writes a run as TensorBoard event files under one folder, laid out as Keras's TensorBoard
 * callback does so that TensorBoard overlays train and validation curves: values on no split go
 * to the folder itself, values on a split to a sub-folder named for it ({@code train/},
 * {@code validation/}) under the metric's own name, and per-epoch values get an {@code epoch_}
 * prefix at step = the zero-based epoch. {@code tensorboard --logdir DIR} shows them.
 */
public final class TensorBoardSink implements RunSink {
    private final RunStore store;
    private final String dir;
    private long embeddingWritten;
    private final Map<String, TensorBoardWriter> writers = new LinkedHashMap<>();
    /** Set for a sink that replaces the event files an earlier nnviz run left in its local folders. */
    private final Path replacing;

    /** A sink writing under the local {@code dir} (created on the first write), beside any event files already there. */
    public TensorBoardSink(Path dir) {
        this(new LocalRunStore(Objects.requireNonNull(dir, "dir")), "", null);
    }

    /**
     * A sink writing under the local {@code dir} that first removes the event files nnviz wrote
     * there before (in {@code dir} and its split folders; files other programs wrote are left), so
     * a run written again into the same folder is one run in TensorBoard, not two overlaid.
     */
    public static TensorBoardSink replacing(Path dir) {
        return new TensorBoardSink(new LocalRunStore(Objects.requireNonNull(dir, "dir")), "", dir);
    }

    /** A sink writing under {@code dir} in {@code store} ({@code ""}: the store's root). */
    public TensorBoardSink(RunStore store, String dir) {
        this(store, dir, null);
    }

    private TensorBoardSink(RunStore store, String dir, Path replacing) {
        this.store = Objects.requireNonNull(store, "store");
        this.dir = Objects.requireNonNull(dir, "dir");
        this.replacing = replacing;
    }

    /** The event files written so far (their locations), the folder's own first. */
    public synchronized List<String> files() {
        List<String> out = new ArrayList<>();
        writers.values().forEach(w -> out.add(w.location()));
        return out;
    }

    private String under(String sub) {
        return dir.isEmpty() ? sub : sub.isEmpty() ? dir : dir + "/" + sub;
    }

    private synchronized TensorBoardWriter writer(String split) throws IOException {
        TensorBoardWriter w = writers.get(split);
        if (w == null) {
            if (replacing != null) {
                removeOldEventFiles(split.isEmpty() ? replacing : replacing.resolve(split));
            }
            w = TensorBoardWriter.create(store, under(split));
            writers.put(split, w);
        }
        return w;
    }

    @Override
    public void scalar(String name, long step, double value) throws IOException {
        String split = MetricNames.split(name).orElse("");
        writer(split).scalar(split.isEmpty() ? name : MetricNames.metric(name), step, value);
    }

    @Override
    public void epochScalar(String name, int epoch, double value) throws IOException {
        String split = MetricNames.split(name).orElse("");
        writer(split).scalar("epoch_" + (split.isEmpty() ? name : MetricNames.metric(name)), epoch, value);
    }

    @Override
    public void histogram(String key, long step, Histogram histogram) throws IOException {
        writer("").histogram(tag(key), step, histogram);
    }

    /** A histogram key ({@code "conv1 / kernel (gradient)"}) as a TensorBoard tag ({@code "conv1/kernel/gradient"}). */
    static String tag(String key) {
        return key.replace(" / ", "/").replace(" (gradient)", "/gradient");
    }

    @Override
    public void image(String tag, long step, RasterImage image) throws IOException {
        writer("").image(tag, step, image.toPng(), image.width(), image.height());
    }

    @Override
    public synchronized void flush(RunLog log) throws IOException {
        for (TensorBoardWriter w : writers.values()) {
            w.flush();
        }
        long v = log.embeddingVersion();
        if (v != embeddingWritten && log.latestEmbedding().isPresent()) {
            TensorBoardProjector.write(store, dir, log.latestEmbedding().get(), log.info());
            embeddingWritten = v;
        }
    }

    @Override
    public synchronized void close(RunLog log) throws IOException {
        IOException first = null;
        try {
            flush(log);
        } catch (IOException e) {
            first = e;
        }
        for (TensorBoardWriter w : writers.values()) {
            try {
                w.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Deletes the event files an nnviz writer made in {@code folder} (named {@code events.out.tfevents.*.nnviz[.N]}). */
    private static void removeOldEventFiles(Path folder) throws IOException {
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.list(folder)) {
            for (Path f : s.toList()) {
                String n = f.getFileName().toString();
                if (n.startsWith("events.out.tfevents.") && n.matches(".*\\.nnviz(\\.[0-9]+)?")
                        && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(f);
                }
            }
        }
    }
}
