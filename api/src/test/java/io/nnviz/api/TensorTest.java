package io.nnviz.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorTest {

    @Test
    void factoryCopiesAndNoInternalArrayEscapes() {
        float[] src = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.of(src, 2, 3);
        src[0] = 99;
        assertEquals(1f, t.get(0, 0), "changing the source array changed the tensor");
        float[] out = t.toArray();
        out[1] = 99;
        assertEquals(2f, t.get(0, 1), "changing toArray() changed the tensor");
        assertNotSame(t.toArray(), t.toArray());
        int[] dims = {2, 3};
        Tensor u = Tensor.of(new float[6], dims);
        dims[0] = 6;
        assertEquals(Shape.of(2, 3), u.shape());
        int[] shapeOut = u.shape().toArray();
        shapeOut[0] = 7;
        assertEquals(2, u.shape().dim(0));
    }

    @Test
    void validationNamesTheProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[6], -1, 6));
        assertThrows(IllegalArgumentException.class, () -> Shape.of(2, -3));
        assertThrows(NullPointerException.class, () -> Tensor.of((float[]) null, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.of(new float[6], 2, 3).get(2, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[6], 2, 3).get(1));
    }

    @Test
    void statsCountNanAndInfAndIgnoreThemInMoments() {
        Tensor t = Tensor.of(new float[] {1, Float.NaN, 3, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 5}, 6);
        TensorStats s = t.stats();
        assertEquals(6, s.count());
        assertEquals(3, s.finite());
        assertEquals(1, s.nanCount());
        assertEquals(2, s.infCount());
        assertEquals(1, s.min());
        assertEquals(5, s.max());
        assertEquals(3, s.mean(), 1e-12);
        assertEquals(Math.sqrt(8.0 / 3), s.std(), 1e-9);
        assertTrue(s.hasNonFinite());
        assertFalse(s.isConstant());
    }

    @Test
    void statsOfEmptyConstantAndAllNan() {
        TensorStats empty = Tensor.zeros(0, 4).stats();
        assertTrue(empty.isEmpty());
        assertTrue(Double.isNaN(empty.mean()));
        TensorStats constant = Tensor.of(new float[] {2, 2, 2}, 3).stats();
        assertTrue(constant.isConstant());
        assertEquals(0, constant.std());
        TensorStats nan = Tensor.of(new float[] {Float.NaN, Float.NaN}, 2).stats();
        assertEquals(0, nan.finite());
        assertTrue(Double.isNaN(nan.min()));
    }

    @Test
    void statsAreStableForLargeOffsets() {
        float[] d = new float[100_000];
        for (int i = 0; i < d.length; i++) {
            d[i] = 10_000f + (i % 2 == 0 ? 1 : -1);
        }
        assertEquals(1.0, Tensor.of(d, d.length).stats().std(), 1e-6);
    }

    @Test
    void permuteConvertsLayouts() {
        // NHWC [1, 2, 2, 3] with value = 100*h + 10*w + c
        float[] nhwc = new float[12];
        for (int h = 0; h < 2; h++) {
            for (int w = 0; w < 2; w++) {
                for (int c = 0; c < 3; c++) {
                    nhwc[(h * 2 + w) * 3 + c] = 100 * h + 10 * w + c;
                }
            }
        }
        Tensor nchw = Tensor.of(nhwc, 1, 2, 2, 3).permute(0, 3, 1, 2);
        assertEquals(Shape.of(1, 3, 2, 2), nchw.shape());
        for (int c = 0; c < 3; c++) {
            for (int h = 0; h < 2; h++) {
                for (int w = 0; w < 2; w++) {
                    assertEquals(100 * h + 10 * w + c, nchw.get(0, c, h, w));
                }
            }
        }
        Tensor m = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).permute(1, 0);
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, m.toArray());
        assertThrows(IllegalArgumentException.class, () -> m.permute(0, 0));
        assertEquals(Shape.of(0, 3), Tensor.zeros(3, 0).permute(1, 0).shape());
    }

    @Test
    void sliceHeadAndReshape() {
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        assertArrayEquals(new float[] {3, 4}, t.slice(1).toArray());
        assertEquals(Shape.of(2, 2), t.head(2).shape());
        assertEquals(Shape.of(3, 2), t.head(10).shape());
        assertEquals(Shape.of(6), t.reshape(6).shape());
        assertThrows(IllegalArgumentException.class, () -> t.reshape(4));
        assertThrows(IndexOutOfBoundsException.class, () -> t.slice(3));
    }

    @Test
    void equalityIsByShapeAndValues() {
        assertEquals(Tensor.of(new float[] {Float.NaN}, 1), Tensor.of(new float[] {Float.NaN}, 1));
        assertFalse(Tensor.of(new float[] {1, 2}, 2).equals(Tensor.of(new float[] {1, 2}, 1, 2)));
        assertTrue(Tensor.of(new float[] {1}, 1).toString().contains("[1]"));
    }

    @Test
    void shapeCompatibilityTreatsUnknownAsWildcard() {
        assertTrue(Shape.of(-1, 3).isCompatibleWith(Shape.of(8, 3)));
        assertFalse(Shape.of(-1, 3).isCompatibleWith(Shape.of(8, 4)));
        assertFalse(Shape.of(-1, 3).isCompatibleWith(Shape.of(8, 3, 1)));
        assertEquals("[?, 3]", Shape.of(-1, 3).toString());
        assertEquals(Shape.of(-1, 3), Shape.ofLongs(-1L, 3L));
        assertThrows(IllegalStateException.class, () -> Shape.of(-1, 3).size());
    }

    @Test
    void permuteAgreesWithIndexByIndexCopyingForEveryRankAndOrder() {
        java.util.Random r = new java.util.Random(11);
        int[][] shapes = {{7}, {33, 70}, {70, 33}, {3, 5, 4}, {2, 3, 4, 5}, {4, 1, 6, 2}};
        for (int[] shape : shapes) {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = r.nextFloat();
            }
            Tensor t = Tensor.of(v, shape);
            for (int[] axes : permutations(shape.length)) {
                Tensor p = t.permute(axes);
                int[] idx = new int[shape.length];
                for (int k = 0; k < 50; k++) {
                    for (int d = 0; d < shape.length; d++) {
                        idx[d] = r.nextInt(shape[d]);
                    }
                    int[] pidx = new int[shape.length];
                    for (int d = 0; d < shape.length; d++) {
                        pidx[d] = idx[axes[d]];
                    }
                    assertEquals(t.get(idx), p.get(pidx), java.util.Arrays.toString(shape) + " " + java.util.Arrays.toString(axes));
                }
            }
        }
    }

    @Test
    void aLaterPermutationEqualsTheEagerOneAndItsHistogramNeedsNoReordering() throws Exception {
        java.util.Random r = new java.util.Random(3);
        float[] v = new float[5 * 5 * 3 * 8];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        v[7] = Float.NaN;
        Tensor hwio = Tensor.of(v, 5, 5, 3, 8);
        Tensor later = hwio.permuteLater(3, 2, 0, 1), now = hwio.permute(3, 2, 0, 1);
        assertEquals(Shape.of(8, 3, 5, 5), later.shape(), "the shape is known at once");
        assertEquals(now.size(), later.size());
        // order-free summaries straight from the source values
        assertEquals(Histogram.of(now, 20).toString(), Histogram.of(later, 20).toString());
        assertEquals(now.stats().nanCount(), later.stats().nanCount());
        assertEquals(now.stats().min(), later.stats().min());
        assertEquals(now.stats().max(), later.stats().max());
        assertEquals(now.stats().mean(), later.stats().mean(), 1e-6);
        // the values, once read, in the permuted order; several threads reading at once see the same
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            Tensor racing = hwio.permuteLater(3, 2, 0, 1);
            java.util.List<java.util.concurrent.Future<float[]>> reads = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                reads.add(pool.submit(() -> i0(racing)));
            }
            for (var f : reads) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(now.toArray(), f.get());
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(now, later);
        assertEquals(now.get(6, 2, 4, 1), later.get(6, 2, 4, 1));
        assertEquals(hwio.get(4, 1, 2, 6), later.get(6, 2, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> hwio.permuteLater(0, 0, 1, 2));
    }

    /**
     * A pending permutation of a pending permutation reads the first one's source once, in one
     * reordering, and one that undoes the first is its source itself (a DL4J column-major weight,
     * copied as it lies, then transposed by its parameter mapping, is never reordered): the same
     * values as the two permutations done eagerly, for every pair of permutations up to rank 4.
     */
    @Test
    void twoPendingPermutationsAreOneAndAnUndoneOneIsNone() {
        java.util.Random r = new java.util.Random(3);
        int[] dims = {2, 3, 4, 5};
        for (int rank = 1; rank <= 4; rank++) {
            int[] shape = java.util.Arrays.copyOf(dims, rank);
            float[] v = new float[java.util.Arrays.stream(shape).reduce(1, (x, y) -> x * y)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
            Tensor t = Tensor.of(v, shape);
            for (int[] a : permutations(rank)) {
                for (int[] b : permutations(rank)) {
                    Tensor twice = t.permuteLater(a).permuteLater(b), eager = t.permute(a).permute(b);
                    assertEquals(eager.shape(), twice.shape());
                    assertArrayEquals(eager.toArray(), twice.toArray(), java.util.Arrays.toString(a) + java.util.Arrays.toString(b));
                    boolean undone = true;
                    for (int k = 0; k < rank; k++) {
                        undone &= a[b[k]] == k;
                    }
                    if (undone) {
                        org.junit.jupiter.api.Assertions.assertSame(t, t.permuteLater(a).permuteLater(b), "undone: the source itself");
                    }
                }
            }
        }
        // a permutation done already (its values read) is permuted as any tensor
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor once = t.permuteLater(1, 0).load();
        assertEquals(t, once.permuteLater(1, 0));
    }

    private static float[] i0(Tensor t) {
        t.stats();
        return t.toArray();
    }

    private static java.util.List<int[]> permutations(int n) {
        java.util.List<int[]> out = new java.util.ArrayList<>();
        permute(new int[n], new boolean[n], 0, out);
        return out;
    }

    private static void permute(int[] cur, boolean[] used, int at, java.util.List<int[]> out) {
        if (at == cur.length) {
            out.add(cur.clone());
            return;
        }
        for (int i = 0; i < cur.length; i++) {
            if (!used[i]) {
                used[i] = true;
                cur[at] = i;
                permute(cur, used, at + 1, out);
                used[i] = false;
            }
        }
    }

    @Test
    void aLaterTensorRunsItsSupplierOnceOnFirstReadAndThenOwnsTheValues() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        Tensor t = Tensor.later(Shape.of(2, 3), () -> {
            calls.incrementAndGet();
            return new float[] {1, 2, 3, 4, 5, 6};
        });
        assertFalse(t.isLoaded());
        assertEquals(0, calls.get(), "nothing is read before someone asks");
        Tensor transposed = t.permuteLater(1, 0);
        // several threads read at once: the supplier still runs once
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<Float>> reads = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                reads.add(pool.submit(() -> transposed.get(2, 1)));
            }
            for (var f : reads) {
                assertEquals(6f, f.get());
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(1, calls.get());
        assertTrue(t.isLoaded());
        assertEquals(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), t);
        assertEquals(3.5, t.stats().mean(), 1e-9);
    }

    @Test
    void aLaterTensorsFailedSupplierFailsTheReadAndIsTriedAgain() {
        int[] calls = {0};
        Tensor t = Tensor.later(Shape.of(2), () -> {
            if (calls[0]++ == 0) {
                throw new IllegalStateException("the session is busy");
            }
            return new float[] {7, 8};
        });
        assertEquals("the session is busy", assertThrows(IllegalStateException.class, () -> t.get(0)).getMessage());
        assertFalse(t.isLoaded());
        assertEquals(8f, t.load().get(1));
        Tensor wrongSize = Tensor.later(Shape.of(3), () -> new float[2]);
        IllegalStateException e = assertThrows(IllegalStateException.class, wrongSize::load);
        assertTrue(e.getMessage().contains("2 values") && e.getMessage().contains("[3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.later(Shape.of(-1, 3), () -> new float[3]));
    }

    /** A ranged tensor reads only what head, slice and copyRange ask for, and every value once for anything else. */
    @Test
    void aRangedTensorReadsOnlyTheRangesAskedFor() {
        float[] values = new float[4 * 3 * 2];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f - 3;
        }
        java.util.List<String> reads = new java.util.ArrayList<>();
        Tensor.Source source = (from, dst, offset, length) -> {
            reads.add(from + "+" + length);
            System.arraycopy(values, from, dst, offset, length);
        };
        Tensor t = Tensor.ranged(Shape.of(4, 3, 2), source), eager = Tensor.of(values, 4, 3, 2);
        assertEquals(eager.head(2), t.head(2));
        assertEquals(eager.slice(3), t.slice(3));
        float[] part = new float[9];
        t.copyRange(5, part, 1, 7);
        float[] want = new float[9];
        System.arraycopy(values, 5, want, 1, 7);
        assertArrayEquals(want, part, 0f, "values 5..11 at 1..7, the rest untouched");
        assertEquals(java.util.List.of("0+12", "18+6", "5+7"), reads);
        assertFalse(t.isLoaded(), "parts do not load the whole");
        assertThrows(IndexOutOfBoundsException.class, () -> t.copyRange(20, new float[8], 0, 8));
        assertEquals(eager.stats().mean(), t.stats().mean(), 1e-6);
        assertEquals(eager, t);
        assertTrue(t.isLoaded());
        assertEquals("0+24", reads.get(reads.size() - 1));
        int before = reads.size();
        t.head(1);
        t.copyRange(0, part, 0, 2);
        assertEquals(before, reads.size(), "once loaded, the values are the tensor's own");
    }

    @Test
    void sumOfSquaresIsTheFiniteValuesSquaredAndSummed() {
        java.util.Random rnd = new java.util.Random(3);
        for (int trial = 0; trial < 50; trial++) {
            float[] v = new float[1 + rnd.nextInt(5000)];
            double offset = rnd.nextBoolean() ? 0 : 100 * rnd.nextGaussian(); // data far from zero too
            double expected = 0;
            for (int i = 0; i < v.length; i++) {
                int kind = rnd.nextInt(50);
                v[i] = kind == 0 ? Float.NaN : kind == 1 ? Float.POSITIVE_INFINITY : (float) (offset + rnd.nextGaussian());
                expected += Float.isFinite(v[i]) ? (double) v[i] * v[i] : 0;
            }
            assertEquals(expected, Tensor.of(v, v.length).stats().sumOfSquares(), 1e-9 * Math.max(1, expected));
        }
        assertEquals(0, Tensor.of(new float[] {Float.NaN}, 1).stats().sumOfSquares());
    }
}
