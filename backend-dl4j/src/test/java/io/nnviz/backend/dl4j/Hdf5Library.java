package io.nnviz.backend.dl4j;

import org.bytedeco.hdf5.global.hdf5;

/** What the native HDF5 library holds open, for the tests that check a load leaves nothing behind. */
final class Hdf5Library {
    private Hdf5Library() {
    }

    /** Files, groups, datasets and attributes open in any file. */
    static long openObjects() {
        return hdf5.H5Fget_obj_count(hdf5.H5F_OBJ_ALL, hdf5.H5F_OBJ_FILE | hdf5.H5F_OBJ_GROUP | hdf5.H5F_OBJ_DATASET | hdf5.H5F_OBJ_ATTR);
    }

    /**
     * Datatype ids: the library's predefined ones (about 200, made when it starts) and any a reader left open, so only a
     * growth from one load to the next is a leak.
     */
    static long datatypes() {
        return hdf5.H5Fget_obj_count(hdf5.H5F_OBJ_ALL, hdf5.H5F_OBJ_DATATYPE);
    }
}
