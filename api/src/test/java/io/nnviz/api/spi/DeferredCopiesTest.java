package io.nnviz.api.spi;

import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeferredCopiesTest {
    @Test
    void theFrameworksCopiesAreReleasedOnceAfterTheLastRead() {
        AtomicInteger released = new AtomicInteger();
        DeferredCopies copies = new DeferredCopies(released::incrementAndGet);
        Tensor a = copies.add(Shape.of(2), () -> new float[] {1, 2});
        Tensor b = copies.add(Shape.of(1), () -> new float[] {3});
        assertEquals(2f, a.get(1));
        assertEquals(0, released.get(), "b is still unread");
        assertEquals(3f, b.get(0));
        assertEquals(1, released.get());
        copies.loadAll();
        copies.close();
        assertEquals(1, released.get(), "released once");
    }

    @Test
    void loadAllReadsWhatNoOneReadThenReleases() {
        AtomicInteger released = new AtomicInteger(), reads = new AtomicInteger();
        DeferredCopies copies = new DeferredCopies(released::incrementAndGet);
        Tensor a = copies.add(Shape.of(1), () -> new float[] {reads.incrementAndGet()});
        assertFalse(a.isLoaded());
        copies.loadAll();
        assertTrue(a.isLoaded());
        assertEquals(1, released.get());
        assertEquals(1f, a.get(0), "the value read by loadAll, not a second read");
        assertEquals(1, reads.get());
    }

    @Test
    void aTensorReadAfterTheCopiesWereClosedFailsClearly() {
        DeferredCopies copies = new DeferredCopies(() -> { });
        Tensor a = copies.add(Shape.of(1), () -> new float[] {1});
        copies.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.get(0));
        assertTrue(e.getMessage().contains("released before they were read"), e.getMessage());
    }
}
