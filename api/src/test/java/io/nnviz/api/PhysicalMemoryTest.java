package io.nnviz.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PhysicalMemoryTest {

    @Test
    void saysWhatTheJdksOwnBeanSaysOnThisMachine() {
        long jdk = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        assertEquals(jdk, PhysicalMemory.total());
        assertEquals(jdk / 2, LoadOptions.defaultMemoryBudget());
    }

    @Test
    void readsMemTotalInKilobytes(@TempDir Path dir) throws IOException {
        Path meminfo = Files.writeString(dir.resolve("meminfo"), "MemTotal:       24683772 kB\nMemFree:        1000 kB\n");
        assertEquals(24683772L * 1024, PhysicalMemory.memTotal(meminfo));
        assertEquals(-1, PhysicalMemory.memTotal(dir.resolve("none")));
    }

    @Test
    void findsTheLimitOfItsOwnGroupOrOfTheMountsTop(@TempDir Path root) throws IOException {
        // cgroup v1: the memory controller's line names the group
        Path v1 = Files.writeString(root.resolve("cgroup-v1"), "5:devices:/\n4:memory:/jobs/a1\n0::/\n");
        Files.createDirectories(root.resolve("memory/jobs/a1"));
        Files.writeString(root.resolve("memory/jobs/a1/memory.limit_in_bytes"), "2147483648\n");
        assertEquals(2147483648L, PhysicalMemory.cgroupLimit(v1, root));
        // a container sees its own group at the mount's top
        Files.delete(root.resolve("memory/jobs/a1/memory.limit_in_bytes"));
        Files.writeString(root.resolve("memory/memory.limit_in_bytes"), "1073741824\n");
        assertEquals(1073741824L, PhysicalMemory.cgroupLimit(v1, root));
        // cgroup v2: one line, "max" for no limit
        Path v2 = Files.writeString(root.resolve("cgroup-v2"), "0::/user.slice/u1\n");
        Files.createDirectories(root.resolve("user.slice/u1"));
        Files.writeString(root.resolve("user.slice/u1/memory.max"), "max\n");
        assertEquals(0, PhysicalMemory.cgroupLimit(v2, root));
        Files.writeString(root.resolve("user.slice/u1/memory.max"), "536870912\n");
        assertEquals(536870912L, PhysicalMemory.cgroupLimit(v2, root));
        // no file to read: -1, so that the JDK is asked
        Path elsewhere = Files.writeString(root.resolve("cgroup-v2b"), "0::/system.slice/x\n");
        Files.delete(root.resolve("memory/memory.limit_in_bytes"));
        assertEquals(-1, PhysicalMemory.cgroupLimit(elsewhere, root.resolve("nothing-mounted")));
    }
}
