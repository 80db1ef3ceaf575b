package io.nnviz.testkit;

/**
 * Finding the bytes a hostile-file test edits in a real file (a field's name, a record's header),
 * so the edit lands where the format puts it rather than at an offset written down for one file.
 */
public final class ByteEdits {
    private ByteEdits() {
    }

    /** Where {@code pattern} first occurs in {@code data}; an {@link AssertionError} naming it when it does not. */
    public static int find(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int k = 0; k < pattern.length; k++) {
                if (data[i + k] != pattern[k]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("the test's file has no " + printable(pattern) + ": its writer changed");
    }

    private static String printable(byte[] pattern) {
        StringBuilder s = new StringBuilder("'");
        for (byte b : pattern) {
            s.append(b >= 32 && b < 127 ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff));
        }
        return s.append('\'').toString();
    }
}
