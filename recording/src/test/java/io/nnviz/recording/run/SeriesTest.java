package io.nnviz.recording.run;

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
        Points p = s.points();
        assertTrue(p.size() <= 101, "points kept: " + p.size());
        assertTrue(p.size() >= 50, "points kept: " + p.size());
        assertEquals(20_000, p.x(p.size() - 1), "the latest step is always there");
        assertEquals(1, p.x(0), "and the first");
        for (int i = 1; i < p.size(); i++) {
            assertTrue(p.x(i) > p.x(i - 1), "steps increase");
            assertEquals(p.x(i) * 0.5, p.y(i));
        }
    }
}
