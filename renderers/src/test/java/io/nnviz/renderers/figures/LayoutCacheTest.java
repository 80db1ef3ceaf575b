package io.nnviz.renderers.figures;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.spi.ModelBuilder;
import io.nnviz.renderers.Figures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Layouts kept between runs ({@link LayoutCache}): a diagram drawn from a kept layout is the
 * diagram ELK draws; the file is what the drawing reads (a layout moved in the file shows moved);
 * a file cut short or holding another input is a miss, laid out afresh and written whole again.
 */
class LayoutCacheTest {
    @TempDir
    Path dir;

    /** A chain of {@code n} layers with a skip every 4: no names to group by, so every layer is a box. */
    private static ModelView chain(int n) {
        ModelBuilder b = ModelBuilder.of("chain-" + n);
        for (int i = 0; i < n; i++) {
            b.layer(LayerInfo.builder("n" + i, i == 0 ? LayerKind.INPUT : i % 4 == 0 ? LayerKind.MERGE : LayerKind.CONV)
                    .name("op" + i).outputShape(Shape.of(1, 8 + i % 5, 32, 32)).build());
            if (i > 0) {
                b.edge("n" + (i - 1), "n" + i);
            }
            if (i >= 4 && i % 4 == 0) {
                b.edge("n" + (i - 4), "n" + i);
            }
        }
        return b.build();
    }

    private static String svg(ModelView m) {
        return Figures.toSvg(ArchitectureDiagram.of(m).build());
    }

    private List<Path> kept() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.toString().endsWith(".layout")).toList();
        }
    }

    @Test
    void aLayoutIsKeptReadBackAsDrawnAndMissedWhenItsFileDoesNotHoldIt() throws Exception {
        ModelView big = chain(340);
        String fresh = svg(big); // no folder set: ELK
        System.setProperty(LayoutCache.PROPERTY, dir.toString());
        try {
            assertEquals(List.of(), kept());
            assertEquals(fresh, svg(big), "laid out by ELK, then kept");
            List<Path> files = kept();
            assertEquals(1, files.size(), files.toString());
            Path f = files.get(0);
            byte[] whole = Files.readAllBytes(f);
            assertEquals(fresh, svg(big), "drawn from the kept layout");

            // every box moved 7 to the right in the file: the drawing reads the file, not ELK
            ByteBuffer b = ByteBuffer.wrap(whole.clone());
            int magic = "nnviz-layout 1\n".length(), keyLength = b.getInt(magic);
            int boxes = magic + 4 + keyLength + 16, n = b.getInt(boxes);
            assertEquals(big.layers().size(), n, "one entry a box");
            for (int i = 0; i < n; i++) {
                int at = boxes + 4 + 32 * i;
                b.putDouble(at, b.getDouble(at) + 7);
            }
            Files.write(f, b.array());
            String moved = svg(big);
            assertNotEquals(fresh, moved);

            // cut short, then holding another diagram's input under this name: misses, laid out afresh and written whole
            Files.write(f, java.util.Arrays.copyOf(whole, whole.length / 2));
            assertEquals(fresh, svg(big));
            assertEquals(whole.length, Files.size(f), "written whole again");
            byte[] other = whole.clone();
            other[magic + 4 + keyLength / 2] ^= 1;
            Files.write(f, other);
            assertEquals(fresh, svg(big));
            assertEquals(List.of(f), kept());
        } finally {
            System.clearProperty(LayoutCache.PROPERTY);
        }
    }
}
