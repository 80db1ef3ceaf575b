package io.nnviz.dashboard;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which names a request may give as its host, against DNS rebinding: a page from
 * {@code evil.example} can make that name resolve to 127.0.0.1 and then read the dashboard as its
 * own origin, but the browser still sends {@code Host: evil.example}. So a host is answered only if
 * it is an IP literal (rebinding needs a name an attacker's DNS answers for), {@code localhost} on a
 * loopback or wildcard bind (no attacker answers for it), or a name the application listed
 * ({@link LiveDashboardBuilder#allowedHosts}). The port is not compared: a dashboard reached through
 * a forwarded port ({@code ssh -L 8080:localhost:PORT}) is named with the forwarded one, and a
 * rebinding attack is stopped by the name alone.
 *
 * @param names the extra names allowed, lower case, without a trailing dot
 * @param localhost whether {@code localhost} names this server (bound to loopback or to every interface)
 * @param wildcard whether it is bound to every interface, so that a request without a Host header
 *     (HTTP/1.0) does not say which of the machine's addresses it meant and is refused
 */
record HostCheck(Set<String> names, boolean localhost, boolean wildcard) {
    /** A DNS name as {@link LiveDashboardBuilder#allowedHosts} takes it: labels of letters, digits and {@code -}. */
    static final Pattern NAME = Pattern.compile("(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\\.?");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9._~-]+)?]");

    HostCheck {
        names = Set.copyOf(names);
    }

    /** The check for a server bound to {@code bind}, allowing {@code names} too. */
    static HostCheck of(InetAddress bind, Set<String> names) {
        return new HostCheck(names, bind.isLoopbackAddress() || bind.isAnyLocalAddress(), bind.isAnyLocalAddress());
    }

    /** A name as the check compares it: lower case, without the trailing dot a fully qualified name may carry. */
    static String normalise(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /**
     * Whether a request may be answered: {@code hostHeader} is its Host header (null if it sent
     * none), {@code host} the host it named (the Host header's, an absolute request target's, or,
     * for HTTP/1.0 without either, the address it reached), without the port.
     */
    boolean allows(String hostHeader, String host) {
        if (hostHeader == null && wildcard) {
            return false;
        }
        if (host == null || host.isEmpty()) {
            return false;
        }
        if (IPV4.matcher(host).matches() || ipv6(host)) {
            return true;
        }
        String n = normalise(host);
        return localhost && n.equals("localhost") || names.contains(n);
    }

    private static boolean ipv6(String host) {
        if (!IPV6.matcher(host).matches()) {
            return false;
        }
        try {
            InetAddress.getByName(host.substring(1, host.length() - 1)); // a literal with a ':' is parsed, never looked up
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
