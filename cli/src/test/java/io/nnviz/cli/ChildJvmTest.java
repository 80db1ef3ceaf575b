package io.nnviz.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The net beneath validation: a real crash, real native memory, a real hang, in a real child JVM, each one line and exit 3. */
class ChildJvmTest {
    private record Run(int code, String out, String err) {
    }

    private static Run run(ChildJvm.Limits limits, String what) throws Exception {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = ChildJvm.run(Misbehaving.class.getName(), List.of(what), limits, true, "hostile.bin",
                new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    private static void oneLine(Run r, String says) {
        assertEquals(3, r.code(), r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), "one line, no crash log: " + r.err());
        assertTrue(lines.get(0).startsWith("nnviz: hostile.bin: ") && lines.get(0).contains(says), lines.get(0));
        assertTrue(r.out().startsWith("started "), "the child's stdout is relayed: " + r.out());
        assertTrue(!r.out().contains("fatal error") && !r.out().contains("hs_err"), "no JVM crash banner on stdout: " + r.out());
    }

    @Test
    void aNativeCrashIsOneLine() throws Exception {
        Run r = run(new ChildJvm.Limits(2L << 30, 0), "crash");
        oneLine(r, "crashed (SIGABRT)"); // HotSpot catches the SIGSEGV, then aborts
    }

    @Test
    void nativeMemoryPastTheBudgetIsKilled() throws Exception {
        long t0 = System.nanoTime();
        Run r = run(new ChildJvm.Limits(600L << 20, 0), "native");
        oneLine(r, "model too large for the memory budget");
        assertTrue(r.err().contains("600 MiB allowed"), r.err());
        long used = Long.parseLong(r.err().replaceAll("(?s).*\\(([\\d,]+) MiB in use.*", "$1").replace(",", ""));
        assertTrue(used >= 600 && used < 1200, "killed soon after it passed the budget, at " + used + " MiB");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60));
    }

    @Test
    void aHangIsStoppedAtTheTimeLimit() throws Exception {
        Run r = run(new ChildJvm.Limits(2L << 30, 2), "hang");
        oneLine(r, "still not done after 2 s");
    }

    @Test
    void theChildsOwnExitCodesPass() throws Exception {
        for (int code : new int[] {0, 2, 3}) {
            Run r = run(new ChildJvm.Limits(2L << 30, 0), String.valueOf(code));
            assertEquals(code, r.code());
            assertEquals("", r.err(), "the child said why, the parent adds nothing");
        }
        Run r = run(new ChildJvm.Limits(2L << 30, 0), "77");
        oneLine(r, "exit code 77");
    }

    @Test
    void theHeapIsCappedBelowTheBudget() throws Exception {
        // no -Xmx of our own: the child's heap is three quarters of the budget, so it runs out of heap before it is killed
        Run r = run(new ChildJvm.Limits(400L << 20, 0), "heap");
        assertEquals(1, r.code(), "an uncaught OutOfMemoryError in the misbehaving child (the CLI's own main turns it into exit 3): " + r.err());
        assertTrue(r.err().contains("OutOfMemoryError"), r.err());
    }

    @Test
    void aChildOutlivesNoKilledParent() throws Exception {
        List<String> cmd = List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Misbehaving.class.getName(), "parent");
        Process parent = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8));
        String first = in.readLine(); // the grandchild's "started PID", relayed by the parent
        assertTrue(first != null && first.startsWith("started "), String.valueOf(first));
        long child = Long.parseLong(first.substring(8).trim());
        ProcessHandle h = ProcessHandle.of(child).orElseThrow();
        assertTrue(h.isAlive());
        parent.destroyForcibly(); // SIGKILL: no shutdown hook runs in the parent
        parent.waitFor();
        assertTrue(h.onExit().get(10, TimeUnit.SECONDS) != null && !h.isAlive(), "the child noticed and exited");
    }
}
