package io.nnviz.cli;

import io.nnviz.testkit.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code nnviz diff} on two real Keras models: the ESRGAN-slim x2 and x4 upscalers, one architecture up to the upsampling. */
@Tag("natives")
@Tag("corpus")
class DiffCommandTest {
    @TempDir
    Path dir;

    @Test
    void diffTablesTheChangedLayersAndDrawsTheSecondModelColouredByItsWeightChange() throws Exception {
        Path out = dir.resolve("diff");
        CliRun r = CliRun.of("diff", Corpus.file("keras/esrgan-slim-x2.h5"), Corpus.file("keras/esrgan-slim-x4.h5"), "--out", out,
                "--quiet").expect(0);
        assertTrue(r.out.contains("0 added, 0 removed, 3 changed, 10 with moved weights"), r.out);
        String upn3 = r.out.lines().filter(l -> l.startsWith("changed   UPN3")).findFirst().orElseThrow(() -> new AssertionError(r.out));
        assertTrue(upn3.contains("units 12 -> 48"), upn3);
        // issue 26: two different upscalers' convolutions moved by 130-140%: not "same", which is for weights within 1e-6
        assertEquals(11, r.out.lines().filter(l -> l.startsWith("same ")).count(), r.out);
        assertEquals(10, r.out.lines().filter(l -> l.startsWith("weights ")).count(), r.out);
        r.out.lines().filter(l -> l.startsWith("same ")).forEach(l -> assertTrue(l.trim().split("\\s+").length == 2, "a same layer has no weights: " + l));
        CliRun self = CliRun.of("diff", Corpus.file("keras/esrgan-slim-x2.h5"), Corpus.file("keras/esrgan-slim-x2.h5"), "--out", dir.resolve("self"),
                "--quiet").expect(0);
        assertEquals(0, self.out.lines().filter(l -> l.startsWith("weights ")).count(), "a model against itself: " + self.out);
        String svg = Files.readString(out.resolve("diff.svg")).toLowerCase(Locale.ROOT);
        assertTrue(svg.contains("#e07800"), "changed layers outlined orange");
        assertTrue(svg.contains("weight change ||wb\u2212wa||/||wa||"), "the overlay's legend");
        CliRun.svgs(out);
        CliRun.of("diff", Corpus.file("keras/esrgan-slim-x2.h5"), dir.resolve("missing.h5"), "--out", dir.resolve("never")).refused(3, "missing.h5"); // as inspect: exit 3 names the file
    }
}
