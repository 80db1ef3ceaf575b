package io.nnviz.recording.run;

import io.nnviz.analysis.Curve;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeriesTest {
    @Test
    void seriesStayBoundedAndKeepTheLatestPoint() {
        Series s = new Series(100);
        for (int step = 1; step <= 20_000; step++) {
            s.add(step, step * 0.5);
        }
        Curve p = s.points();
        assertTrue(p.size() <= 101, "points kept: " + p.size());
        assertTrue(p.size() >= 50, "points kept: " + p.size());
        assertEquals(20_000, p.x(p.size() - 1), "the latest step is always there");
        assertEquals(1, p.x(0), "and the first");
        for (int i = 1; i < p.size(); i++) {
            assertTrue(p.x(i) > p.x(i - 1), "steps increase");
            assertEquals(p.x(i) * 0.5, p.y(i));
        }
    }

    /**
     * The reservoir's rule written out plainly (keep every stride-th arrival, the latest always in
     * the last slot; when over the bound, every other kept point from the first, plus the latest,
     * and double the stride), against the series on arrivals that go back and repeat steps, as
     * resumed and re-logged runs do; and a state restored into a new series goes on identically.
     */
    @Test
    void seriesFollowTheirRuleOnAnyArrivals() {
        java.util.Random rnd = new java.util.Random(11);
        for (int trial = 0; trial < 40; trial++) {
            int max = 2 + rnd.nextInt(30);
            Series s = new Series(max);
            java.util.List<double[]> kept = new java.util.ArrayList<>();
            int stride = 1;
            long seen = 0;
            int n = rnd.nextInt(2_000);
            for (int k = 0; k < n; k++) {
                double x = rnd.nextInt(10) == 0 ? rnd.nextInt(k + 1) : k, y = rnd.nextGaussian();
                s.add(x, y);
                seen++;
                if (!kept.isEmpty() && (seen - 1) % stride != 0) {
                    kept.set(kept.size() - 1, new double[] {x, y});
                } else {
                    kept.add(new double[] {x, y});
                    if (kept.size() > max) {
                        java.util.List<double[]> half = new java.util.ArrayList<>();
                        for (int i = 0; i < kept.size(); i += 2) {
                            half.add(kept.get(i));
                        }
                        if (half.get(half.size() - 1) != kept.get(kept.size() - 1)) {
                            half.add(kept.get(kept.size() - 1));
                        }
                        kept = half;
                        stride *= 2;
                    }
                }
                if (k == n / 2) { // a resumed series takes over from here
                    Series resumed = new Series(max);
                    resumed.restore(s.state());
                    s = resumed;
                }
            }
            MutableRunLog.SeriesState st = s.state();
            assertEquals(kept.size(), st.x().length);
            assertEquals(stride, st.stride());
            assertEquals(seen, st.seen());
            for (int i = 0; i < kept.size(); i++) {
                assertEquals(kept.get(i)[0], st.x()[i]);
                assertEquals(kept.get(i)[1], st.y()[i]);
            }
            Curve p = s.points();
            java.util.TreeMap<Double, Double> last = new java.util.TreeMap<>();
            kept.forEach(q -> last.put(q[0], q[1])); // x order, a repeated x its later value
            assertEquals(last.size(), p.size());
            int i = 0;
            for (var e : last.entrySet()) {
                assertEquals(e.getKey(), p.x(i));
                assertEquals(e.getValue(), p.y(i));
                i++;
            }
        }
    }
}
