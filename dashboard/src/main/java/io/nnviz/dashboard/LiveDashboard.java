package io.nnviz.dashboard;

import com.sun.management.UnixOperatingSystemMXBean;
import io.nnviz.api.ModelView;
import io.nnviz.api.spi.Printable;
import io.nnviz.analysis.doctor.Finding;
import io.nnviz.recording.Recorder;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.view.RunComparison;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Watch training in a browser while it runs, served from your own JVM: no extra process, no CDN.
 * Each run is a {@link RunLog} (a {@link Recorder}'s) shown on its own page; the page polls a small JSON state once a
 * second and reloads a figure only when its data changed. A banner atop a run's page shows the training doctor's
 * findings as they are found ({@link Recorder#latestFindings()}; for a run log without its recorder, the doctor's
 * defaults over it), each linked to the figure on the page that shows its evidence.
 *
 * <pre>{@code
 * try (LiveDashboard dash = LiveDashboard.start()) {           // 127.0.0.1, a free port
 *     Recorder rec = Recorder.defaults();
 *     System.out.println("watch at " + dash.show("cnn", rec));  // http://127.0.0.1:PORT/run/cnn/
 *     try (Attachment a = NNViz.attach(network, rec)) { network.fit(data, 5); }
 * }
 * }</pre>
 *
 * <p>Safe to leave running: it binds to the loopback interface unless told otherwise
 * ({@link LiveDashboardBuilder#bindAddress}); it answers only requests that name it in their {@code Host}
 * header, by an IP address, {@code localhost} or a name listed in {@link LiveDashboardBuilder#allowedHosts}
 * (the rest get 421, so a web page cannot read it through DNS rebinding); it answers only
 * {@code GET} and {@code HEAD} on a fixed set of routes (everything else is 404 or 405, and no
 * request can name a file); request headers over 16 KiB get 431; at most
 * {@code maxConcurrentRequests} are served at once (the rest get 503). Every answer, errors
 * included, carries a restrictive {@code Content-Security-Policy} and
 * {@code X-Content-Type-Options: nosniff}. The training thread never waits for it: pages read
 * copies of the recorder's bounded state, and figures are drawn on the server's own threads, at
 * most once per change and per {@code minRenderInterval}. {@link #close()} stops the server and
 * frees the port.
 *
 * <p>Slow and silent clients cost no thread: the server is Jetty's, which reads requests without
 * blocking (a client sending a byte a second, or announcing a body it never sends, holds only its
 * own connection), and closes a connection idle for {@code idleTimeout}. The JDK's
 * {@code com.sun.net.httpserver}, used before, read each request on a pool thread, so a few such
 * clients made every other request wait. Nor can many of them lock viewers out: past
 * {@code busyConnections} open connections, each one that goes {@code busyTimeout} without sending
 * a whole request (or taking a byte of its answer) is closed, so a thousand idle or dripping
 * connections are shed within about a second while viewers' requests, which arrive whole, are
 * answered; {@code maxConnections} (a few thousand) only bounds the file descriptors a flood can take.
 */
public final class LiveDashboard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveDashboard.class);
    static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final Pattern RUN_ROUTE = Pattern.compile("/run/([A-Za-z0-9_.-]{1,64})/(|state\\.json|table\\.html|figure/([a-z0-9-]{1,80})\\.svg)");
    private static final Pattern RUN_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Map<String, String> STATIC = Map.of(
            "/static/dashboard.js", "application/javascript; charset=utf-8",
            "/static/viewer.js", "application/javascript; charset=utf-8",
            "/static/dashboard.css", "text/css; charset=utf-8");
    /** Where each static file is: the dashboard's own, and the report's viewer (pan, zoom, values on hover) from nnviz-renderers. */
    private static final Map<String, String> RESOURCES = Map.of(
            "/static/dashboard.js", "/io/nnviz/dashboard/dashboard.js",
            "/static/viewer.js", "/io/nnviz/renderers/report/viewer.js",
            "/static/dashboard.css", "/io/nnviz/dashboard/dashboard.css");

    private final Server server;
    private final ServerConnector connector;
    private final Semaphore inFlight;
    private final HostCheck hosts;
    private final Map<String, RunView> runs = new ConcurrentHashMap<>();
    private final Map<String, byte[]> statics = new ConcurrentHashMap<>();
    private final long minRenderNanos;
    private final URI uri;
    private volatile boolean closed;

    LiveDashboard(LiveDashboardBuilder b) throws IOException {
        this.minRenderNanos = b.minRenderMillis * 1_000_000L;
        this.inFlight = new Semaphore(b.maxConcurrentRequests);
        this.hosts = HostCheck.of(b.address, b.allowedHosts);
        for (String path : STATIC.keySet()) {
            try (InputStream in = LiveDashboard.class.getResourceAsStream(RESOURCES.get(path))) {
                if (in == null) {
                    throw new IOException("nnviz jar is missing the dashboard resource " + path);
                }
                statics.put(path, in.readAllBytes());
            }
        }
        // the handler threads draw figures; Jetty's acceptor and selector need two more, and it keeps a few spare
        QueuedThreadPool threads = new QueuedThreadPool(b.threads + 6, 2);
        threads.setName("nnviz-dashboard");
        threads.setDaemon(true);
        this.server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(MAX_HEADER_BYTES);
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(b.address.getHostAddress());
        connector.setPort(b.port);
        connector.setIdleTimeout(b.idleTimeoutMillis);
        server.addConnector(connector);
        int maxConnections = b.maxConnections > 0 ? b.maxConnections : defaultMaxConnections();
        // the JDK's default accept queue (50) overflows in a burst of connections, and each connection it drops waits a second to retry
        connector.setAcceptQueueSize(maxConnections);
        server.addBean(new NetworkConnectionLimit(maxConnections, server));
        // shedding starts below the cap, or a flood at the cap would keep viewers waiting to be accepted
        connector.addBean(new ConnectionShedder(connector, Math.max(1, Math.min(b.busyConnections, maxConnections * 3 / 4)), b.busyTimeoutMillis));
        server.setHandler(new Handler.Abstract() { // may block: figures are drawn here, on a pool thread
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                LiveDashboard.this.handle(request, response, callback);
                return true;
            }
        });
        // Jetty's own answers (400 for a request it cannot parse, 431, 505) go out with the same headers as ours, in plain text
        server.setErrorHandler((request, response, callback) -> {
            int status = response.getStatus() >= 400 ? response.getStatus() : 500;
            send(request, response, callback, status, "text/plain; charset=utf-8",
                    (status + " " + HttpStatus.getMessage(status) + "\n").getBytes(StandardCharsets.UTF_8));
            return true;
        });
        try {
            server.start();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("the dashboard's server did not start on " + b.address.getHostAddress() + ":" + b.port + ": " + e, e);
        }
        String host = b.address.isAnyLocalAddress() ? "127.0.0.1" : b.address.getHostAddress();
        this.uri = URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + connector.getLocalPort() + "/");
        LOG.info("nnviz dashboard at {}", uri);
    }

    /** A dashboard on 127.0.0.1 and a free port. */
    public static LiveDashboard start() throws IOException {
        return builder().start();
    }

    /** A dashboard on 127.0.0.1 and {@code port} (0 for a free one). */
    public static LiveDashboard start(int port) throws IOException {
        return builder().port(port).start();
    }

    /** Settings, with safe defaults. */
    public static LiveDashboardBuilder builder() {
        return new LiveDashboardBuilder();
    }

    /**
     * Shows a recorder's run on its own page, {@code /run/NAME/}, and returns the page's address.
     * Names are 1-64 letters, digits, {@code . _ -}; showing a name again replaces its run.
     */
    public URI show(String name, Recorder recorder) {
        Objects.requireNonNull(recorder, "recorder");
        return show(name, recorder.log(), recorder::model, recorder::latestFindings);
    }

    /**
     * Shows a run log (a recorder's, or one read back with {@code RunJson.read}) on its own page,
     * {@code /run/NAME/}, and returns the page's address.
     */
    public URI show(String name, RunLog log) {
        Objects.requireNonNull(log, "log");
        return show(name, log, Optional::empty, Banner.diagnosed(log));
    }

    private URI show(String name, RunLog log, Supplier<Optional<ModelView>> model, Supplier<List<Finding>> findings) {
        return show(name, RunView.run(log, model, findings));
    }

    /**
     * Shows many runs on one page, {@code /run/NAME/}, as the comparison report does
     * ({@link RunComparison}): the runs table (sorts, hides a run from every
     * chart), the loss and every metric overlaid, the hyperparameters against the target metric and
     * weight histograms across runs, drawn again as the runs change. {@code runs} is asked for the
     * current runs at every look (once a second per viewer); {@link RunsWatcher} keeps one up to date.
     */
    public URI showComparison(String name, Supplier<List<RunLog>> runs) {
        Objects.requireNonNull(runs, "runs");
        return show(name, new ComparisonContent(name, runs));
    }

    /**
     * Shows a run read from a runs root at {@code /run/NAME/} (its folder's name), called by the
     * run's own name, as its report, run.json and comparisons call it.
     */
    URI showRun(String name, RunLog log) {
        return show(name, log.info().name(), RunView.run(Objects.requireNonNull(log, "log"), Optional::empty,
                Banner.diagnosed(log)));
    }

    private URI show(String name, RunView.Content content) {
        return show(name, name, content);
    }

    private URI show(String name, String title, RunView.Content content) {
        if (name == null || !RUN_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a run name is 1-64 letters, digits, '.', '_' or '-', got " + Printable.name(name));
        }
        if (closed) {
            throw new IllegalStateException("the dashboard is closed");
        }
        runs.put(name, new RunView(name, title, content, minRenderNanos));
        return uri.resolve("run/" + name + "/");
    }

    /** Stops showing a run. */
    public void remove(String name) {
        runs.remove(name);
    }

    /** The dashboard's address, e.g. {@code http://127.0.0.1:41234/}. */
    public URI uri() {
        return uri;
    }

    /** The port it listens on. */
    public int port() {
        return connector.getLocalPort();
    }

    /** Stops the server (waiting at most a second for requests in progress) and frees the port. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.setStopTimeout(1000);
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("nnviz dashboard: stopping the server: {}", e.toString());
        }
        runs.clear();
    }

    /** 4,096, or a quarter of the file descriptors this process may open if that is fewer (never under 64). */
    private static int defaultMaxConnections() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os
                    && os.getMaxFileDescriptorCount() > 0) {
                return (int) Math.max(64, Math.min(4096, os.getMaxFileDescriptorCount() / 4));
            }
        } catch (LinkageError e) {
            // a runtime without the jdk.management module: the limit is unknown
        }
        return 4096;
    }

    private void handle(Request request, Response response, Callback callback) {
        // before anything else, so a misdirected request learns nothing, not even which routes exist
        if (!hosts.allows(request.getHeaders().get(HttpHeader.HOST), request.getHttpURI().getHost())) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            send(request, response, callback, 421, "text/plain; charset=utf-8",
                    "misdirected request: this dashboard answers only to its own address\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (!inFlight.tryAcquire()) {
            send(request, response, callback, 503, "text/plain; charset=utf-8", "busy\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        try {
            route(request, response, callback);
        } catch (RuntimeException e) { // a drawing that failed must not take the server with it
            LOG.warn("nnviz dashboard: {} {} failed: {}", request.getMethod(), request.getHttpURI().getPath(), e.toString());
            send(request, response, callback, 500, "text/plain; charset=utf-8", "internal error\n".getBytes(StandardCharsets.UTF_8));
        } finally {
            inFlight.release();
        }
    }

    private void route(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            // answered at once, whatever body the request announces: nothing is read from it
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            send(request, response, callback, 405, "text/plain; charset=utf-8", "read-only: GET and HEAD only\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        // the raw path, never decoded: routes are plain ASCII, so an encoded byte (%2e, %2f, ...) matches no route
        String path = request.getHttpURI().getPath();
        if (path == null || request.getHttpURI().getQuery() != null && request.getHttpURI().getQuery().length() > 1024) {
            notFound(request, response, callback);
            return;
        }
        if (path.equals("/")) {
            send(request, response, callback, 200, "text/html; charset=utf-8", Pages.index(titles()).getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (STATIC.containsKey(path)) {
            send(request, response, callback, 200, STATIC.get(path), statics.get(path));
            return;
        }
        Matcher m = RUN_ROUTE.matcher(path);
        RunView run = m.matches() ? runs.get(m.group(1)) : null;
        if (run == null) {
            notFound(request, response, callback);
            return;
        }
        if (m.group(2).isEmpty()) {
            String page = run.comparison() ? Pages.comparison(run.name()) : Pages.run(run.name(), run.title());
            send(request, response, callback, 200, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8));
        } else if (m.group(2).equals("table.html")) {
            byte[] table = run.tableHtml();
            if (table == null) {
                notFound(request, response, callback);
            } else {
                send(request, response, callback, 200, "text/html; charset=utf-8", table);
            }
        } else if (m.group(2).equals("state.json")) {
            send(request, response, callback, 200, "application/json", run.stateJson());
        } else {
            byte[] svg = run.figure(m.group(3));
            if (svg == null) {
                notFound(request, response, callback);
            } else {
                send(request, response, callback, 200, "image/svg+xml", svg);
            }
        }
    }

    private static void notFound(Request request, Response response, Callback callback) {
        send(request, response, callback, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
    }

    private static void send(Request request, Response response, Callback callback, int status, String type, byte[] body) {
        response.setStatus(status);
        var h = response.getHeaders();
        h.put(HttpHeader.CONTENT_TYPE, type);
        h.put(HttpHeader.CACHE_CONTROL, "no-store");
        h.put("X-Content-Type-Options", "nosniff");
        h.put("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                + "script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
        h.put("Referrer-Policy", "no-referrer");
        h.put(HttpHeader.CONTENT_LENGTH, body.length);
        if ("HEAD".equals(request.getMethod())) {
            response.write(true, null, callback);
        } else {
            response.write(true, ByteBuffer.wrap(body), callback);
        }
    }

    /** Each page's path name and what it is called. */
    private Map<String, String> titles() {
        Map<String, String> out = new TreeMap<>();
        runs.forEach((name, view) -> out.put(name, view.title()));
        return out;
    }
}
