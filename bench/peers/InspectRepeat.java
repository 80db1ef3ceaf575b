/** Runs `nnviz inspect MODEL --format svg` N times in one JVM and prints each run's time (see cli_inspect.sh). */
public class InspectRepeat {
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[2]);
        for (int i = 1; i <= n; i++) {
            long t = System.nanoTime();
            int code = io.nnviz.cli.Main.execute(new String[] {"inspect", a[0], "--out", a[1], "-q", "--timings", "--format", "svg"},
                    new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), System.err);
            System.err.printf("run %d: exit %d, %.0f ms%n", i, code, (System.nanoTime() - t) / 1e6);
        }
    }
}
