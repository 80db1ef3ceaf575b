package io.nnviz.backend.dl4j;

import io.nnviz.NNViz;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.WeightTensor;
import io.nnviz.testkit.ByteEdits;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keras HDF5 files that reach outside themselves or declare more than they hold (issue 27), made
 * by h5py from the real fixture {@code cnn_sequential.h5}: one weight dataset rewritten with HDF5
 * external storage (a secret file by absolute and relative path, a pipe, {@code /dev/zero}) or
 * re-declared huge. Each is refused with one line before the native HDF5 library opens it; the
 * line says nothing of the file it names.
 */
@Tag("natives")
class HostileHdf5Test {
    private static final String SECRET = "nnviz-secret-3f9a1c";
    private static final String KERNEL = "model_weights/conv/conv/kernel:0";

    @TempDir
    static Path dir;
    static Path secret, original;

    @BeforeAll
    static void fixtures() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        secret = outside.resolve("secret.bin");
        byte[] s = new byte[4096];
        byte[] word = SECRET.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < s.length; i++) {
            s[i] = word[i % word.length];
        }
        Files.write(secret, s);
        original = Path.of(HostileHdf5Test.class.getResource("/keras/cnn_sequential.h5").toURI());
    }

    /** The fixture copied to {@code models/NAME.h5} with the conv kernel rewritten by the Python statement {@code make}. */
    private static Path variant(String name, String make) throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        Path out = models.resolve(name + ".h5");
        Files.copy(original, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String script = String.join("\n",
                "import h5py, numpy as np, sys",
                "f = h5py.File(sys.argv[1], 'r+')",
                "k = f['" + KERNEL + "']",
                "shape, dtype = k.shape, k.dtype",
                "del f['" + KERNEL + "']",
                "g = f['" + KERNEL.substring(0, KERNEL.lastIndexOf('/')) + "']",
                make,
                "f.close()");
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, log);
        return out;
    }

    private static void assertRefused(Path p, String reason) {
        io.nnviz.testkit.Reproducers.keep(p);
        long start = System.nanoTime();
        NnvizException e = assertThrows(NnvizException.class, () -> NNViz.load(p));
        assertTrue(System.nanoTime() - start < 30_000_000_000L, "refused at once, never blocked");
        String m = e.getMessage();
        assertTrue(m.contains(p.getFileName().toString()) && m.contains(reason), m);
        assertFalse(m.contains(SECRET) || m.contains("secret.bin") || m.contains("4096") || m.contains("passwd"), m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void theUntouchedFixtureLoadsWithItsKernel() throws Exception {
        Path same = variant("same", "g.create_dataset('kernel:0', data=np.zeros(shape, dtype))");
        try (ModelView m = NNViz.load(same)) {
            WeightTensor k = m.weights("conv").get(0);
            assertEquals(0f, k.values().stats().max());
        }
    }

    @Test
    void externalStorageIsRefusedWhateverItNames() throws Exception {
        List<String> targets = List.of(secret.toString(), "../outside/secret.bin", "../../../../../../../../" + secret, "/dev/zero",
                "/proc/self/environ");
        int i = 0;
        for (String t : targets) {
            Path p = variant("external" + i++, "g.create_dataset('kernel:0', shape=shape, dtype=dtype, external=[('" + t + "', 0, "
                    + "int(np.prod(shape)) * dtype.itemsize)])");
            assertRefused(p, "another file");
        }
    }

    @Test
    void externalStorageOnAPipeIsRefusedWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("outside").resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path p = variant("pipe", "g.create_dataset('kernel:0', shape=shape, dtype=dtype, external=[('" + fifo + "', 0, "
                + "int(np.prod(shape)) * dtype.itemsize)])");
        assertRefused(p, "another file");
    }

    /**
     * A configuration declaring far more weights than the file holds, written as compact JSON (no
     * spaces, which the old byte sniff missed): Dense(35,000,000) in a file of a few KB took 5 GB
     * before "model too large". Refused from what the file holds, at once.
     */
    @Test
    void aConfigurationDeclaringMoreWeightsThanTheFileHoldsIsRefused() throws Exception {
        Path p = variant("units", "g.create_dataset('kernel:0', data=np.zeros(shape, dtype))\n"
                + "import json\n"
                + "c = json.loads(f.attrs['model_config'])\n"
                + "[l for l in c['config']['layers'] if l['class_name'] == 'Dense'][0]['config']['units'] = 35000000\n"
                + "f.attrs['model_config'] = json.dumps(c, separators=(',', ':'))");
        assertRefused(p, "declares");
        NnvizException e = assertThrows(NnvizException.class, () -> NNViz.load(p));
        assertTrue(e.getMessage().contains("weights, its datasets hold"), e.getMessage());
    }

    /**
     * Number types no writer stores (a mutant's 22-byte float crashed HDF5's native conversion in CI), written by h5py's
     * low-level API; a 3-byte integer as well. Each refused before native HDF5 reads it; the standard layouts load.
     */
    @Test
    void aKernelStoredInAnUnknownNumberLayoutIsRefused() throws Exception {
        String write = "d = h5py.h5d.create(g.id, b'kernel:0', t, h5py.h5s.create_simple(shape))\n"
                + "d.write(h5py.h5s.ALL, h5py.h5s.ALL, np.zeros(shape, 'f4'))";
        assertRefused(variant("float22", "t = h5py.h5t.IEEE_F32LE.copy()\nt.set_size(22)\n" + write), "floating-point numbers of 22 bytes");
        assertRefused(variant("float24", "t = h5py.h5t.IEEE_F32LE.copy()\nt.set_fields(23, 16, 7, 0, 16)\nt.set_precision(24)\nt.set_size(3)\n"
                + write), "floating-point numbers of 3 bytes");
        assertRefused(variant("int24", "t = h5py.h5t.STD_I32LE.copy()\nt.set_precision(24)\nt.set_size(3)\n" + write), "integers of 3 bytes");
        for (String standard : List.of("IEEE_F16LE", "IEEE_F64BE")) {
            try (ModelView m = NNViz.load(variant(standard, "t = h5py.h5t." + standard + "\n" + write))) {
                assertEquals(0f, m.weights("conv").get(0).values().stats().max(), standard);
            }
        }
    }

    /**
     * The root's model_config (a variable-length string: its length, then the global heap object holding it) stating a
     * quarter of its real length: HDF5's native reader (in h5py as in DL4J) copies the whole object into a buffer of the
     * stated length and aborts in glibc ("free(): invalid size"), as a mutant did. Refused before it reads the file.
     */
    @Test
    void aStringAttributeShorterThanItsHeapObjectIsRefused() throws Exception {
        Path p = variant("vlen", "g.create_dataset('kernel:0', data=np.zeros(shape, dtype))\n"
                + "c = f.attrs['model_config']\n"
                + "del f.attrs['model_config']\n"
                + "f.attrs['model_config'] = c.decode('utf-8') if isinstance(c, bytes) else c"); // a str: a variable-length string
        byte[] b = Files.readAllBytes(p);
        int name = ByteEdits.find(b, "model_config\0".getBytes(StandardCharsets.US_ASCII));
        int body = name - 8;
        assertEquals(1, b[body], "a version 1 attribute message");
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int type = body + 8 + pad8(bb.getShort(body + 2));
        assertEquals(9, b[type] & 0x0f, "a variable-length datatype");
        int value = type + pad8(bb.getShort(body + 4)) + pad8(bb.getShort(body + 6));
        int length = bb.getInt(value);
        assertTrue(length > 1000, "the stated length of the configuration: " + length);
        bb.putInt(value, length / 4);
        Files.write(p, b);
        assertRefused(p, "says its element 0 is " + length / 4 + " bytes; the object it names holds " + length);
    }

    /**
     * A 13 KB file (found by the fuzzer) whose group object header states a size of gigabytes: jHDF reading from the file
     * allocated a buffer of that size before reading it (4 GB of resident memory, 5.8 s, for a refusal). Over a map of the
     * file the header is past its end: refused at once, allocating little.
     */
    @Test
    void anObjectHeaderStatingGigabytesIsRefusedWithoutAllocatingThem() throws Exception {
        Path p = Path.of(HostileHdf5Test.class.getResource("LoaderFuzzTestInputs/kerasH5/object-header-size-4gb.h5").toURI());
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        NnvizException e = assertThrows(NnvizException.class, () -> NNViz.load(p));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(e.getMessage().contains(p.getFileName().toString()) && !e.getMessage().contains("\n"), e.getMessage());
        assertTrue(allocated < 256L << 20, "refused after allocating " + (allocated >> 20) + " MiB: " + e.getMessage());
    }

    /**
     * DL4J's import frees the HDF5 groups, dataset and dataspace it opens to read a weight only when the read succeeds; a
     * kernel of rank 6, which it does not read, left them to JavaCPP's deallocator thread, which freed them inside the HDF5
     * library while the next file was read (a crash in CI's mutation campaign, 1 run in 2). Whatever the load ends in, no
     * HDF5 object of any file is open when it returns, before any garbage collection.
     */
    @Test
    void aWeightDl4jFailsToReadLeavesNoHdf5ObjectOpen() throws Exception {
        Path p = variant("rank6", "g.create_dataset('kernel:0', data=np.zeros((1, 1) + shape, dtype))");
        Hdf5Library hdf5 = new Hdf5Library();
        for (int i = 0; i < 3; i++) {
            try (ModelView m = NNViz.load(p)) {
                assertTrue(m.properties().getOrDefault("DL4J import", "").startsWith("refused: "), "DL4J's import failed: " + m.properties());
            } catch (NnvizException e) {
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
            }
            hdf5.assertNothingLeftOpenBy("load " + i);
        }
        try (ModelView m = NNViz.load(variant("same-after", "g.create_dataset('kernel:0', data=np.zeros(shape, dtype))"))) {
            assertEquals("Deeplearning4j", m.framework(), "DL4J's import still works after its failures");
        }
    }

    private static int pad8(int n) {
        return (n + 7) & ~7;
    }

    @Test
    void aDatasetDeclaredFarLargerThanTheFileIsRefusedBeforeAnyAllocation() throws Exception {
        // 40,000 x 40,000 floats (6.4 GB, under the default budget) declared, one chunk of 16 bytes written
        Path p = variant("huge", "d = g.create_dataset('kernel:0', shape=(40000, 40000), dtype='f4', chunks=(1, 4))\n"
                + "d[0, :4] = 1");
        io.nnviz.testkit.Reproducers.keep(p);
        assertTrue(Files.size(p) < 1_000_000);
        NnvizException e = assertThrows(NnvizException.class, () -> NNViz.load(p));
        assertTrue(e.getMessage().contains("kernel:0") && (e.getMessage().contains("declares") || e.getMessage().contains("budget")
                || e.getMessage().contains("too large")), e.getMessage());
    }
}
