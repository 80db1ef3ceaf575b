package io.nnviz.backend.dl4j;

import org.bytedeco.hdf5.global.hdf5;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the native HDF5 library holds open, for the tests that check a load leaves nothing behind. Files, groups,
 * datasets and attributes must be none; datatype ids include the library's predefined ones (about 200, made when it
 * starts), so only a growth from one load to the next is a leak.
 */
final class Hdf5Library {
    private long datatypes = -1;

    /** Asserts, at once and before any garbage collection, that the load just done ({@code what}) left nothing open. */
    void assertNothingLeftOpenBy(String what) {
        assertEquals(0, hdf5.H5Fget_obj_count(hdf5.H5F_OBJ_ALL, hdf5.H5F_OBJ_FILE | hdf5.H5F_OBJ_GROUP | hdf5.H5F_OBJ_DATASET
                | hdf5.H5F_OBJ_ATTR), what + " left HDF5 files, groups, datasets or attributes open");
        long now = hdf5.H5Fget_obj_count(hdf5.H5F_OBJ_ALL, hdf5.H5F_OBJ_DATATYPE);
        if (datatypes >= 0) {
            assertEquals(datatypes, now, what + " left HDF5 datatypes open");
        }
        datatypes = now;
    }
}
