package io.nnviz.backend.djl.torchscript;

import java.util.Arrays;

/**
 * A pickle's memo as {@link TorchScriptPickles} models it: keys (unsigned 32-bit, as int bits) to
 * stack values, in open addressing so that a million entries cost two int arrays, not a million
 * boxed ones. Values of depth 0 (numbers, strings, globals: -1) are not kept: a key never set reads as
 * one, and libtorch refuses to read such a key anyway.
 */
final class PickleMemo {
    private static final int EMPTY = Integer.MIN_VALUE, SCALAR = -1;
    private final int capacity;
    private int[] keys = new int[64], values = new int[64];
    private int used, size;

    PickleMemo(int capacity) {
        this.capacity = capacity;
        Arrays.fill(values, EMPTY);
    }

    /** How many values were memoized: the key MEMOIZE gives the next one. */
    int size() {
        return size;
    }

    /** Sets {@code key}; false when that would keep more than the capacity's entries. */
    boolean put(int key, int value) {
        size++;
        int at = slot(key);
        if (values[at] != EMPTY) {
            values[at] = value;
            return true;
        }
        if (value == SCALAR) {
            return true;
        }
        if (used == capacity) {
            return false;
        }
        if (2 * (used + 1) > keys.length) {
            grow();
            at = slot(key);
        }
        keys[at] = key;
        values[at] = value;
        used++;
        return true;
    }

    int get(long key) {
        if (key < 0 || key > 0xFFFF_FFFFL) {
            return SCALAR;
        }
        int at = slot((int) key);
        return values[at] != EMPTY ? values[at] : SCALAR;
    }

    /** The slot holding {@code key}, or the empty one where it would go. */
    private int slot(int key) {
        int h = key * 0x9E3779B9, mask = keys.length - 1, at = (h ^ h >>> 16) & mask;
        while (values[at] != EMPTY && keys[at] != key) {
            at = (at + 1) & mask;
        }
        return at;
    }

    private void grow() {
        int[] k = keys, v = values;
        keys = new int[k.length * 2];
        values = new int[k.length * 2];
        Arrays.fill(values, EMPTY);
        for (int s = 0; s < k.length; s++) {
            if (v[s] != EMPTY) {
                int at = slot(k[s]);
                keys[at] = k[s];
                values[at] = v[s];
            }
        }
    }
}
