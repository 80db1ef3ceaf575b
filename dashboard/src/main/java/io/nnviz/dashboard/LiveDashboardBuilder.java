package io.nnviz.dashboard;

import io.nnviz.api.spi.Printable;

import java.io.IOException;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/** Dashboard settings. */
public final class LiveDashboardBuilder {
    InetAddress address = InetAddress.getLoopbackAddress();
    int port;
    int threads = 2, maxConcurrentRequests = 64, maxConnections, busyConnections = 256;
    long minRenderMillis = 500, idleTimeoutMillis = 10_000, busyTimeoutMillis = 1000;
    Set<String> allowedHosts = Set.of();

    LiveDashboardBuilder() {
    }

    /** The port (0, the default, picks a free one). */
    public LiveDashboardBuilder port(int p) {
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port must be 0-65535, got " + p);
        }
        port = p;
        return this;
    }

    /**
     * Listens on another interface than the loopback one, for example
     * {@code InetAddress.getByName("0.0.0.0")}: an explicit opt-in, since anyone who can reach
     * the port can then watch (read-only) your training.
     */
    public LiveDashboardBuilder bindAddress(InetAddress a) {
        address = Objects.requireNonNull(a, "address");
        return this;
    }

    /** Server threads (default 2): they draw figures, so more only helps many viewers. */
    public LiveDashboardBuilder threads(int n) {
        if (n < 1 || n > 32) {
            throw new IllegalArgumentException("threads must be 1-32, got " + n);
        }
        threads = n;
        return this;
    }

    /** Requests served at once (default 64); more get 503 at once rather than queueing. */
    public LiveDashboardBuilder maxConcurrentRequests(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxConcurrentRequests must be positive, got " + n);
        }
        maxConcurrentRequests = n;
        return this;
    }

    /**
     * Other names the dashboard may be reached by, for example the machine's name when it is
     * bound to a network interface, or a reverse proxy's: DNS names without a port, matched
     * ignoring case. IP addresses are always answered, and {@code localhost} on a loopback or
     * wildcard bind; a request naming any other host gets 421. Why: a web page can make a name
     * its own DNS serves resolve to this machine (DNS rebinding) and then read the dashboard as
     * if it were its own site; such requests still carry that name in their {@code Host} header,
     * so only names listed here are answered. Each call replaces the list.
     */
    public LiveDashboardBuilder allowedHosts(String... names) {
        Objects.requireNonNull(names, "names");
        Set<String> all = new HashSet<>();
        for (String n : names) {
            if (n == null || !HostCheck.NAME.matcher(n).matches() || n.length() > 253) {
                throw new IllegalArgumentException("an allowed host is a DNS name without a port or wildcard, got " + Printable.name(n));
            }
            all.add(HostCheck.normalise(n));
        }
        allowedHosts = Set.copyOf(all);
        return this;
    }

    /**
     * Connections open at once at most (default 4,096, or a quarter of the process's
     * file-descriptor limit if that is lower, so a flood cannot take the descriptors the
     * training needs); more wait in the operating system's accept queue. Keep it well above
     * {@link #busyConnections}: in between, stalled connections are shed and viewers still get in.
     */
    public LiveDashboardBuilder maxConnections(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxConnections must be positive, got " + n);
        }
        maxConnections = n;
        return this;
    }

    /**
     * Open connections past which the server sheds (default 256, or three quarters of
     * {@link #maxConnections} if that is lower): it then closes every connection that goes
     * {@link #busyTimeout} without sending a whole request or taking a byte of its answer,
     * whatever its {@link #idleTimeout}. Idle and slow connections (a slowloris dripping its
     * header) are thereby evicted, while viewers, whose requests arrive whole, are answered.
     */
    public LiveDashboardBuilder busyConnections(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("busyConnections must be positive, got " + n);
        }
        busyConnections = n;
        return this;
    }

    /**
     * How long a connection may go without sending a whole request or taking a byte of its
     * answer while the server is busy (default 1 s; see {@link #busyConnections}).
     */
    public LiveDashboardBuilder busyTimeout(long millis) {
        if (millis < 100) {
            throw new IllegalArgumentException("busyTimeout must be at least 100 ms, got " + millis);
        }
        busyTimeoutMillis = millis;
        return this;
    }

    /** How long a connection may stay silent before it is closed (default 10 s; the page polls every second). */
    public LiveDashboardBuilder idleTimeout(long millis) {
        if (millis < 100) {
            throw new IllegalArgumentException("idleTimeout must be at least 100 ms, got " + millis);
        }
        idleTimeoutMillis = millis;
        return this;
    }

    /** The shortest time between two drawings of one figure (default 500 ms). */
    public LiveDashboardBuilder minRenderInterval(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("minRenderInterval must not be negative");
        }
        minRenderMillis = millis;
        return this;
    }

    /** Starts the server. */
    public LiveDashboard start() throws IOException {
        return new LiveDashboard(this);
    }
}
