package io.nnviz.renderers.report;

import io.nnviz.renderers.Drawn;
import io.nnviz.api.ModelView;
import io.nnviz.renderers.AtomicFiles;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.canvas.Xml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link HtmlReport}'s figures and architecture views being drawn on all cores, as independent
 * pieces: each view's layout, then its SVG, and each figure's SVG and PNG (a filter grid per conv
 * layer). Views go before any figure, their SVG as soon as they are laid out, and the deepest view
 * (the most boxes, the longest layout) first: a report is done when its last view is, and the
 * figures fill the time between. The threads are one per core, gone a second after their last
 * piece, so a report never written holds none.
 *
 * <p>Of the views only the one shown first gets a PNG file (a command's {@code architecture.png}).
 * The others are drawn as PNGs by the page itself, from their inline SVG, when the reader asks
 * ({@code viewer.js}): their PNGs, up to 16 megapixels each, were most of a report's time for a
 * model with a hierarchy (silero VAD's four: 60 megapixels), for files few readers open.
 */
final class ReportDrawing {
    /**
     * A figure or view being drawn: a view's depth (0 for every layer, -1 for a figure), its figure (laid out; null for a
     * view not drawn), SVG (null likewise) and PNG (null for a view), and the PNG's scale.
     */
    record Drawing(int depth, CompletableFuture<Figure> figure, CompletableFuture<String> svg, CompletableFuture<byte[]> png, double scale) {
    }

    /** A piece of drawing in the queue: its priority (0 first), then the order it was given in. */
    private record Piece(int priority, long order, Runnable task) implements Runnable, Comparable<Piece> {
        @Override
        public void run() {
            task.run();
        }

        @Override
        public int compareTo(Piece o) {
            return priority != o.priority ? Integer.compare(priority, o.priority) : Long.compare(order, o.order);
        }
    }

    private final ThreadPoolExecutor pool;
    /** Pieces given to {@code first} run before those given to {@code then}, each kind in the order given. */
    private final Executor first, then;

    ReportDrawing() {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        pool = new ThreadPoolExecutor(threads, threads, 1, TimeUnit.SECONDS, new PriorityBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "nnviz-report");
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        AtomicLong order = new AtomicLong();
        first = r -> pool.execute(new Piece(0, order.getAndIncrement(), r));
        then = r -> pool.execute(new Piece(1, order.getAndIncrement(), r));
    }

    /** Starts drawing each view of {@code m}'s architecture, its layout first, the deepest view first; in the views' order. */
    List<Drawing> views(ModelView m, double scale) {
        List<ReportViewer.View> views = ReportViewer.views(m);
        Drawing[] byView = new Drawing[views.size()];
        for (int i = views.size() - 1; i >= 0; i--) {
            ReportViewer.View v = views.get(i);
            CompletableFuture<Figure> f = CompletableFuture.supplyAsync(() -> v.figure().get().orElse(null), first);
            // no PNG ahead: which view is shown first, the one with a PNG file, is known once their SVGs are
            byView[i] = new Drawing(v.depth(), f, f.thenApplyAsync(x -> x == null ? null : Figures.toSvg(x), first), null, scale);
        }
        return List.of(byView);
    }

    /** Starts drawing a figure's SVG and PNG. */
    List<Drawing> figure(Figure f, double scale) {
        return List.of(new Drawing(-1, CompletableFuture.completedFuture(f), CompletableFuture.supplyAsync(() -> Figures.toSvg(f), then),
                CompletableFuture.supplyAsync(() -> Figures.toPng(f, scale), then), scale));
    }

    /** Stops the threads; pieces not drawn yet are dropped. */
    void stop() {
        pool.shutdownNow();
    }

    /**
     * The least share of its size a view's PNG may be drawn at: below it (a 2,000-layer graph's
     * view of 9,000 x 108,000 units would be 13% at {@link Figures#MAX_PIXELS}) the text is a few
     * pixels high and the PNG a thumbnail nobody can read, so the page offers none and links the SVG.
     */
    static final double MIN_PNG_SHARE = 0.5;

    /** Whether {@code f}'s PNG at {@code scale} is drawn at {@link #MIN_PNG_SHARE} of its size or more. */
    static boolean legible(Figure f, double scale) {
        return Figures.rasterScale(f.width(), f.height(), scale) >= MIN_PNG_SHARE;
    }

    /** A figure's PNG, drawn again if the scale changed since it was started. */
    static byte[] png(Drawing d, double scale) throws IOException {
        return d.scale() == scale ? Drawn.join(d.png()) : Figures.toPng(Drawn.join(d.figure()), scale);
    }

    /**
     * Writes an architecture's views into {@code figures} once drawn (SVG files, and the PNG of the
     * view shown first, under the entry's own name {@code slug}) and returns its viewer's HTML: each
     * other view's caption holds a button with which the page draws its PNG, or says why none.
     */
    static String viewer(String slug, List<Drawing> all, Path figures, double scale) throws IOException {
        List<Drawing> views = new ArrayList<>();
        List<String> svgs = new ArrayList<>();
        for (Drawing v : all) {
            String svg = Drawn.join(v.svg());
            if (svg != null) { // else a view not drawn (too many boxes, ReportViewer.MAX_EXPANDED)
                views.add(v);
                svgs.add(svg);
            }
        }
        int depths = (int) views.stream().filter(v -> v.depth() > 0).count();
        int start = ReportViewer.start(svgs);
        StringBuilder h = new StringBuilder("<div class=\"nnviz-viewer\" id=\"fig-").append(slug).append("\" data-start=\"")
                .append(start).append("\">\n").append(ReportViewer.toolbar());
        for (int i = 0; i < views.size(); i++) {
            Drawing v = views.get(i);
            String label = ReportViewer.label(v.depth(), depths);
            String file = i == start ? slug : slug + "-" + label.replaceAll("[^a-z0-9]+", "-");
            AtomicFiles.write(figures.resolve(file + ".svg"), svgs.get(i).getBytes(StandardCharsets.UTF_8));
            Figure figure = Drawn.join(v.figure());
            // the view shown first is also the command's architecture.png: always drawn, and the only one drawn here
            if (i == start) {
                AtomicFiles.write(figures.resolve(file + ".png"), Figures.toPng(figure, scale));
            }
            String svg = svgs.get(i);
            h.append("<figure class=\"view\" data-label=\"").append(Xml.escape(label)).append('"')
                    .append(i == start ? "" : " hidden").append(">\n").append(svg, svg.indexOf("<svg"), svg.length())
                    .append("<figcaption>").append(Xml.escape(figure.title())).append(" (")
                    .append(Xml.escape(label)).append(") \u2014 <a href=\"figures/").append(file).append(".svg\">SVG</a> \u00b7 ")
                    .append(i == start ? "<a href=\"figures/" + file + ".png\">PNG</a>"
                            : legible(figure, scale) ? String.format(java.util.Locale.ROOT, "<button type=\"button\" class=\"png\" data-file=\"%s.png\""
                                    + " data-scale=\"%s\" title=\"draws this view as a PNG in the browser and saves it\">PNG</button>", file,
                                    Figures.rasterScale(figure.width(), figure.height(), scale))
                            : String.format(java.util.Locale.ROOT, "no PNG: within its %,d-megapixel limit it would be drawn at %.0f%% of its size",
                                    Figures.MAX_PIXELS / 1_000_000, 100 * Figures.rasterScale(figure.width(), figure.height(), 1)))
                    .append("</figcaption>\n</figure>\n");
        }
        return h.append("</div>\n").toString();
    }
}
