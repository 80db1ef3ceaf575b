package io.nnviz.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DL4J zips and Keras .h5 through the CLI: the Keras CNN the DL4J backend's tests use, and a DL4J
 * zip written by DL4J itself (ModelSerializer) from that import.
 */
@Tag("natives")
class Dl4jFormatsTest {
    @TempDir
    Path dir;

    @Test
    void kerasAndDl4jZipInspectAndActivations() throws Exception {
        Path h5 = CliRun.fixture("backend-dl4j/src/test/resources/keras/cnn_sequential.h5", dir);
        Path zip = dir.resolve("cnn.zip");
        Object net = CliRun.inWorld("dl4j", "org.deeplearning4j.nn.modelimport.keras.KerasModelImport",
                "importKerasSequentialModelAndWeights", h5.toString());
        Thread.currentThread().setContextClassLoader(net.getClass().getClassLoader());
        Class<?> serializer = Class.forName("org.deeplearning4j.util.ModelSerializer", true, net.getClass().getClassLoader());
        Arrays.stream(serializer.getMethods()).filter(m -> m.getName().equals("writeModel") && m.getParameterCount() == 3
                        && m.getParameterTypes()[1] == File.class && m.getParameterTypes()[2] == boolean.class).findFirst().orElseThrow()
                .invoke(null, net, zip.toFile(), true);

        for (Path model : List.of(h5, zip)) {
            Path out = dir.resolve("out-" + model.getFileName());
            CliRun r = CliRun.of("inspect", model, "--out", out, "--quiet").expect(0);
            List<String> rows = r.out.lines().toList();
            assertTrue(rows.get(0).contains(model.getFileName().toString().endsWith(".h5") ? "Keras HDF5" : "DL4J model zip"), r.out);
            long sum = rows.subList(2, rows.size() - 1).stream()
                    .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1).replace(",", ""))).sum();
            String total = rows.get(rows.size() - 1);
            assertTrue(total.matches("Total: \\d+ layers, [\\d,]+ parameters"), total);
            assertEquals(sum, Long.parseLong(total.replaceAll(".*layers, ([\\d,]+) parameters", "$1").replace(",", "")),
                    "the rows add up to the total");
            assertTrue(r.out.contains(" conv "), "a conv layer in the table: " + r.out);
            List<String> files = CliRun.files(out);
            assertTrue(files.containsAll(List.of("architecture.svg", "architecture.png", "index.html", "figures")), files.toString());
            assertTrue(files.stream().anyMatch(f -> f.startsWith("filters-") && f.endsWith(".svg")), "a filter grid: " + files);
            assertTrue(files.stream().noneMatch(f -> f.startsWith(".nnviz-partial")), "no staging left: " + files);
            assertTrue(CliRun.svgs(out).size() >= 2);
            assertTrue(r.err.isEmpty(), "--quiet: " + r.err);
            // the command's image files are the report's, under a second name: the same bytes, and a second run into the
            // folder replaces both names (the link made by the first run is not written through)
            for (String f : files.stream().filter(f -> f.endsWith(".svg") || f.endsWith(".png")).toList()) {
                byte[] bytes = Files.readAllBytes(out.resolve(f));
                try (var figures = Files.list(out.resolve("figures"))) {
                    assertTrue(figures.anyMatch(g -> Arrays.equals(bytes, read(g))), f + " is one of the report's figures");
                }
            }
            Path arch = out.resolve("architecture.svg"), archFigure = out.resolve("figures/architecture.svg");
            Files.writeString(arch, "an edit the next run must replace");
            CliRun.of("inspect", model, "--out", out, "--quiet").expect(0);
            assertEquals(Files.readString(archFigure), Files.readString(arch));
            assertTrue(Files.readString(arch).startsWith("<?xml") || Files.readString(arch).startsWith("<svg"), "an SVG again");
        }

        // the Keras CNN takes 8x8 grey images: the .h5 says so, and the zip, which keeps no input type, has it worked back
        // from its layers (Dl4jInputTypes): both resize the image without --size
        Path png = CliRun.fashionPng(dir);
        for (Path model : List.of(h5, zip)) {
            Path acts = dir.resolve("acts-" + model.getFileName());
            CliRun a = CliRun.of("activations", model, "--input", png, "--out", acts).expect(0);
            assertTrue(a.out.contains("Top output of"), a.out);
            assertTrue(a.err.lines().noneMatch(l -> l.contains("WARN") || l.contains("Keras")), "DL4J's import log lines stay off: " + a.err);
            List<String> files = CliRun.files(acts);
            assertTrue(files.containsAll(List.of("saliency.svg", "activations-conv.svg", "index.html")), files.toString());
            assertTrue(Files.readString(acts.resolve("index.html")).contains("Saliency"));
            CliRun.svgs(acts);
        }
        // a size the network cannot take is a usage error naming the input and the size the model wants
        assertTrue(CliRun.of("activations", zip, "--input", png, "--size", "28x28", "--out", dir.resolve("never"), "--quiet")
                .refused(2, "sample.png").err.contains("[?, 1, 8, 8]"));

        // a truncated real model: refused with its name, nothing written
        byte[] whole = Files.readAllBytes(zip);
        Path cut = Files.write(dir.resolve("cut.zip"), Arrays.copyOf(whole, whole.length / 2));
        CliRun.of("inspect", cut, "--out", dir.resolve("never")).refused(3, "cut.zip");
        byte[] wholeH5 = Files.readAllBytes(h5);
        Path cutH5 = Files.write(dir.resolve("cut.h5"), Arrays.copyOf(wholeH5, wholeH5.length / 2));
        CliRun.of("inspect", cutH5, "--out", dir.resolve("never")).refused(3, "cut.h5");
        assertEquals(List.of(), CliRun.files(dir.resolve("never")));
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
