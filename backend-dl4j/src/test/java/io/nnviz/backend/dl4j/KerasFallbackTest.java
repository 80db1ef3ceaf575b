package io.nnviz.backend.dl4j;

import io.nnviz.NNViz;
import io.nnviz.api.Capability;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.UnsupportedCapabilityException;
import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 29: {@code NNViz.load} opens any Keras file. One DL4J's import reads runs (activations,
 * gradients); the Keras HDF5 files it refuses (a 3-D U-Net with a per-voxel Dense after Conv3D, a
 * GRU and LayerNormalization classifier) and the Keras 3 archives, which it does not read, are read
 * by nnviz itself: architecture and weights, and one line saying why activations are not there.
 */
@Tag("corpus")
@Tag("natives")
class KerasFallbackTest {
    @Test
    void aFileDl4jImportsRunsThroughDl4j() throws Exception {
        try (ModelView m = NNViz.load(Corpus.file("keras/esrgan-slim-x2.h5"))) {
            assertEquals("Deeplearning4j", m.framework());
            assertTrue(m.capabilities().contains(Capability.ACTIVATIONS));
        }
    }

    @Test
    void filesDl4jRefusesAreReadByNnvizWithTheReason() throws Exception {
        for (String f : List.of("unet3d.h5", "text-gru.h5")) {
            try (ModelView m = NNViz.load(Corpus.file("keras/" + f))) {
                assertEquals("Keras", m.framework(), f);
                String refused = m.properties().get("DL4J import");
                assertTrue(refused != null && refused.startsWith("refused: "), f + ": " + m.properties());
                assertFalse(m.capabilities().contains(Capability.ACTIVATIONS), f);
                UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                        () -> m.activations(Tensor.zeros(1, 1, 16, 16, 16), List.of(m.layers().get(1).id())));
                assertTrue(e.getMessage().contains("DL4J's Keras import refused this file") && !e.getMessage().contains("\n"), e.getMessage());
                System.out.println(f + ": " + refused);
            }
        }
        try (ModelView m = NNViz.load(Corpus.file("keras/unet3d.h5"))) {
            assertEquals(Shape.of(-1, 3, 16, 16, 16), m.layer("voxel_classes").orElseThrow().outputShape(), "a per-voxel Dense");
            assertEquals(Shape.of(8, 16, 2, 2, 2), m.weights("up1").get(0).values().shape(), "Conv3DTranspose [k, out, in] -> [out, in, k]");
            assertEquals(Shape.of(3, 8), m.weights("voxel_classes").get(0).values().shape());
        }
    }

    /**
     * DL4J closes its HDF5 archive only when an import succeeds; one left open was freed later by
     * JavaCPP's deallocator thread inside the (not thread-safe) HDF5 library, which once aborted the
     * JVM in the in-JVM mutation campaign. Every Keras HDF5 file of the corpus, imported or refused,
     * leaves nothing open in the HDF5 library (no file, group, dataset, attribute or datatype), each
     * checked at once, before any garbage collection.
     */
    @Test
    void everyKerasHdf5FileIsClosedInTheHdf5LibraryWhetherDl4jImportsItOrNot() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(Corpus.file("keras"))) {
            files = s.filter(f -> f.toString().endsWith(".h5")).sorted().toList();
        }
        assertTrue(files.size() >= 2, "the corpus's Keras HDF5 files: " + files);
        Set<String> frameworks = new TreeSet<>();
        Hdf5Library hdf5 = new Hdf5Library();
        for (Path f : files) {
            for (int i = 0; i < 2; i++) {
                try (ModelView m = NNViz.load(f)) {
                    frameworks.add(m.framework());
                }
                hdf5.assertNothingLeftOpenBy(f.toString());
            }
        }
        assertEquals(Set.of("Deeplearning4j", "Keras"), frameworks, "both paths taken: files DL4J imports and files it refuses");
    }

    @Test
    void aKeras3ArchiveOpensThroughNnvizLoad() throws Exception {
        try (ModelView m = NNViz.load(Corpus.file("keras/nsfw-mobilenet-v2-nested.keras"))) {
            assertEquals("Keras", m.framework());
            assertEquals(2264389, m.parameterCount());
            assertEquals(1, m.groups().size());
        }
    }
}
