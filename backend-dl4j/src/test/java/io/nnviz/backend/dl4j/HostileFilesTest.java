package io.nnviz.backend.dl4j;

import io.nnviz.NNViz;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.NnvizException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files crafted to crash or exhaust the JVM through DL4J (issue #17's reproducers): each is a clear
 * {@link ModelLoadException} naming the file, before DL4J allocates what the file declares.
 */
@Tag("natives")
class HostileFilesTest {
    @TempDir
    Path dir;

    private Path realZip() throws Exception {
        MultiLayerNetwork net = Nets.mlpClassifier();
        Path zip = dir.resolve("real.zip");
        ModelSerializer.writeModel(net, zip.toFile(), false);
        return zip;
    }

    /** The zip with one entry's bytes replaced. */
    private Path withEntry(Path zip, String name, byte[] content, String out) throws Exception {
        Path p = dir.resolve(out);
        try (ZipFile in = new ZipFile(zip.toFile()); ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                z.putNextEntry(new ZipEntry(e.getName()));
                try (InputStream s = in.getInputStream(e)) {
                    z.write(e.getName().equals(name) ? content : s.readAllBytes());
                }
            }
        }
        return p;
    }

    private static byte[] entry(Path zip, String name) throws Exception {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            return z.getInputStream(z.getEntry(name)).readAllBytes();
        }
    }

    private static void assertRefused(Path p, String reason) {
        io.nnviz.testkit.Reproducers.keep(p);
        NnvizException e = assertThrows(NnvizException.class, () -> NNViz.load(p));
        assertTrue(e.getMessage().contains(p.getFileName().toString()), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void aShapeHeaderDeclaringTwoToTheSixtyTwoValuesIsRefusedNotACrash() throws Exception {
        Path zip = realZip();
        byte[] coef = entry(zip, "coefficients.bin");
        // ND4J's header: writeUTF("MIXED_DATA_TYPES") (2 + 16 bytes), then the shape buffer's length as a long
        ByteBuffer.wrap(coef).putLong(18, 1L << 62);
        assertRefused(withEntry(zip, "coefficients.bin", coef, "shape62.zip"), "shape header");
    }

    @Test
    void aDataLengthOfTwoToTheThirtyOneIsRefused() throws Exception {
        Path zip = realZip();
        byte[] coef = entry(zip, "coefficients.bin");
        // after the shape buffer (its mode string, length, type string and that many longs): the data buffer's mode string, then its length
        int at = 18 + 8 + 6 + 8 * (int) ByteBuffer.wrap(coef).getLong(18) + 2 + "MIXED_DATA_TYPES".length();
        assertEquals(new MultiLayerNetwork(Nets.mlpClassifier().getLayerWiseConfigurations()).numParams(), ByteBuffer.wrap(coef).getLong(at),
                "the data length where ND4J writes it");
        ByteBuffer.wrap(coef).putLong(at, 1L << 31);
        assertRefused(withEntry(zip, "coefficients.bin", coef, "data31.zip"), "coefficients.bin declares");
    }

    @Test
    void aZipBombedConfigurationAndAConfigurationNestedTooDeepAreRefused() throws Exception {
        Path zip = realZip();
        byte[] json = entry(zip, "configuration.json");
        byte[] bomb = new byte[json.length + (100 << 20)];
        System.arraycopy(json, 0, bomb, 0, json.length);
        java.util.Arrays.fill(bomb, json.length, bomb.length, (byte) ' ');
        assertRefused(withEntry(zip, "configuration.json", bomb, "bomb.zip"), "configuration.json is");
        String deep = "{\"vertices\":" + "[".repeat(20_000) + "]".repeat(20_000) + "}";
        assertRefused(withEntry(zip, "configuration.json", deep.getBytes(StandardCharsets.UTF_8), "deep.zip"), "nests deeper");
    }

    @Test
    void aConfigurationOverTheMemoryBudgetIsModelTooLarge() throws Exception {
        MultiLayerNetwork big = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(1000).nOut(1000).build())
                .layer(new OutputLayer.Builder().nIn(1000).nOut(10).build()).build());
        big.init();
        Path zip = dir.resolve("big.zip");
        ModelSerializer.writeModel(big, zip.toFile(), false);
        ModelTooLargeException e = assertThrows(ModelTooLargeException.class,
                () -> NNViz.load(zip, LoadOptions.defaults().memoryBudget(2 << 20)));
        assertTrue(e.getMessage().contains("big.zip") && e.getMessage().contains("memory budget") && e.getMessage().contains("3.9 MiB"),
                e.getMessage());
        NNViz.load(zip, LoadOptions.defaults().memoryBudget(8 << 20)).close(); // and it opens within a larger one
    }

    /** One edit of the Keras file's model_config (the same length, as an attacker's byte edit keeps it): a 120 GB dense layer. */
    @Test
    void aKerasConfigDeclaringAHugeInputIsModelTooLarge() throws Exception {
        byte[] h5;
        try (InputStream in = getClass().getResourceAsStream("/keras/cnn_sequential.h5")) {
            h5 = in.readAllBytes();
        }
        String s = new String(h5, StandardCharsets.ISO_8859_1);
        String from = "\"trainable\": true, \"batch_input_shape\": [null, 8, 8, 1]";
        String to = "\"batch_input_shape\":[null,99999,99999,1]"; // trainable is Keras's default
        assertTrue(s.contains(from));
        to = to + " ".repeat(from.length() - to.length());
        Path p = Files.write(dir.resolve("huge.h5"), s.replace(from, to).getBytes(StandardCharsets.ISO_8859_1));
        io.nnviz.testkit.Reproducers.keep(p);
        ModelTooLargeException e = assertThrows(ModelTooLargeException.class, () -> NNViz.load(p));
        assertTrue(e.getMessage().contains("huge.h5") && e.getMessage().contains("model_config"), e.getMessage());
    }
}
