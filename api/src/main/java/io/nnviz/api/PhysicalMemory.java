package io.nnviz.api;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The memory this process may use: the machine's, or its control group's limit where that is lower,
 * which is what the JDK's {@code com.sun.management.OperatingSystemMXBean.getTotalMemorySize()}
 * says. On Linux it is read from {@code /proc} and {@code /sys/fs/cgroup} directly, because the
 * MXBean first brings up the JDK's management framework and its container detection: 20 to 30 ms of
 * every command line's start, before its child JVM can start (JDK 17, measured). Where those files
 * do not say (another system, a control group mounted elsewhere), the MXBean answers.
 */
final class PhysicalMemory {
    private static final Path MEMINFO = Path.of("/proc/meminfo"), CGROUPS = Path.of("/proc/self/cgroup"),
            CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    private PhysicalMemory() {
    }

    /** The total in bytes, or 0 if nothing can tell. */
    static long total() {
        long machine = memTotal(MEMINFO);
        long limit = machine > 0 ? cgroupLimit(CGROUPS, CGROUP_ROOT) : -1;
        if (limit >= 0) {
            return limit > 0 && limit < machine ? limit : machine;
        }
        return fromMxBean();
    }

    /** {@code MemTotal} of a meminfo file in bytes, or -1. */
    static long memTotal(Path meminfo) {
        for (String line : lines(meminfo)) {
            if (line.startsWith("MemTotal:")) {
                String[] f = line.substring(9).trim().split("\\s+");
                try {
                    return Long.parseLong(f[0]) * (f.length > 1 && f[1].equalsIgnoreCase("kB") ? 1024 : 1);
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /**
     * The memory limit of this process's control group (v1's memory controller, else v2's) under
     * {@code root}: the file at the group's own path, else at the mount's top (a container sees its
     * own group there). 0 for no limit; -1 if no such file was found, so that the JDK is asked.
     */
    static long cgroupLimit(Path cgroups, Path root) {
        String v1 = null, v2 = null;
        for (String line : lines(cgroups)) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            if (f[0].equals("0") && f[1].isEmpty()) {
                v2 = f[2];
            } else if (List.of(f[1].split(",")).contains("memory")) {
                v1 = f[2];
            }
        }
        if (v1 != null) {
            return limitIn(root.resolve("memory"), v1, "memory.limit_in_bytes");
        }
        return v2 != null ? limitIn(root, v2, "memory.max") : -1;
    }

    private static long limitIn(Path mount, String group, String file) {
        for (Path p : List.of(mount.resolve(group.replaceFirst("^/+", "")).resolve(file), mount.resolve(file))) {
            List<String> l = lines(p);
            if (!l.isEmpty()) {
                String v = l.get(0).trim();
                if (v.equals("max")) {
                    return 0;
                }
                try {
                    return Math.max(0, Long.parseLong(v));
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static long fromMxBean() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean sun) {
                return Math.max(0, sun.getTotalMemorySize());
            }
        } catch (RuntimeException | LinkageError e) {
            // not a HotSpot-family JDK
        }
        return 0;
    }
}
