package io.nnviz.recording;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 26: runs are named after the application that made them, not all "run". */
class DefaultNameTest {
    private static final AtomicReference<String> NAMED = new AtomicReference<>();

    /** An application: its main builds a recorder, as the quick starts do. */
    static final class TrainCnn {
        public static void main(String[] args) {
            try (Recorder r = Recorder.builder().build()) {
                NAMED.set(r.log().info().name());
            }
        }
    }

    @Test
    void aRunIsNamedAfterTheMainClassThatStartedIt() throws Exception {
        TrainCnn.main(new String[0]);
        assertEquals("DefaultNameTest.TrainCnn", NAMED.get(), "surefire's own main is a launcher, not the application");
        Thread t = new Thread(() -> { // a thread with no main on its stack
            try (Recorder r = Recorder.builder().build()) {
                NAMED.set(r.log().info().name());
            }
        });
        t.start();
        t.join();
        assertEquals("run", NAMED.get());
        try (Recorder r = Recorder.builder().name("lenet").build()) {
            assertEquals("lenet", r.log().info().name(), "a name given wins");
        }
    }
}
