package io.nnviz.recording;

import io.nnviz.analysis.Pca;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.hook.ManualTraining;
import io.nnviz.api.hook.Snapshot;
import io.nnviz.api.spi.ModelBuilder;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.view.RunFigures;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.report.HtmlReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedding projector through the Recorder: the set's activations at the representation layer
 * are captured on probe steps and at report time, and drawn by PCA with each axis's share of the
 * variance, coloured by class.
 */
class EmbeddingTest {
    /** Two classes of 3-D points, apart along (1, 1, 0); the "hidden" layer is the identity, the output their sum. */
    @Test
    void theRepresentationIsProjectedByPcaAndColouredByClass() throws Exception {
        int n = 200;
        float[] x = new float[n * 3];
        int[] labels = new int[n];
        Random r = new Random(2);
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            double c = labels[i] == 0 ? -3 : 3;
            x[3 * i] = (float) (c + 0.3 * r.nextGaussian());
            x[3 * i + 1] = (float) (c + 0.3 * r.nextGaussian());
            x[3 * i + 2] = (float) (0.3 * r.nextGaussian());
        }
        ModelView m = ModelBuilder.of("points").layer(LayerInfo.builder("x", LayerKind.INPUT).outputShape(Shape.of(-1, 3)).build())
                .layer(LayerInfo.builder("hidden", LayerKind.DENSE).outputShape(Shape.of(-1, 3)).build())
                .layer(LayerInfo.builder("out", LayerKind.OUTPUT).outputShape(Shape.of(-1, 1)).build()).chain("x", "hidden", "out")
                .forward((in, ids) -> {
                    int k = in.shape().dim(0);
                    float[] s = new float[k];
                    for (int i = 0; i < k; i++) {
                        s[i] = in.getFlat(3 * i) + in.getFlat(3 * i + 1) + in.getFlat(3 * i + 2);
                    }
                    return Map.of("hidden", in, "out", Tensor.of(s, k, 1));
                }).build();
        Recorder rec = Recorder.builder().embeddings(Tensor.of(x, n, 3), labels).probesEvery(5).classNames(List.of("left", "right"))
                .tensorBoard(dir).build();
        try (ManualTraining t = ManualTraining.start(m, rec)) {
            for (int s = 0; s < 7; s++) {
                t.stepEnd(1.0 / (s + 1), req -> Snapshot.EMPTY);
                if (s == 5) {
                    assertEquals(5, rec.log().latestEmbedding().orElseThrow().step(), "captured on a probe step");
                }
            }
        }
        RunLog.Embedding e = rec.log().latestEmbedding().orElseThrow().value();
        assertEquals("hidden", e.layerId(), "the last dense layer before the output");
        assertEquals(7, rec.log().latestEmbedding().orElseThrow().step(), "and again when training ended, as trained");
        rec.addTo(HtmlReport.titled("t"));
        assertEquals(7, rec.log().latestEmbedding().orElseThrow().step());
        RunFigures.Entry entry = RunFigures.of(rec.log()).entries().stream().filter(x2 -> x2.id().equals("embedding")).findFirst().orElseThrow();
        String svg = Figures.toSvg(entry.figure());
        // nearly all the variance is along the classes' direction: 2 * 9 against 3 * 0.09
        Pca p = Pca.fit(Tensor.of(x, n, 3), 2);
        long pc1 = Math.round(100 * p.explainedVarianceRatio()[0]);
        assertTrue(pc1 >= 98, "PC1 share " + pc1);
        assertTrue(svg.contains("PC1 (" + pc1 + "% of variance)") && svg.contains("left") && svg.contains("right"), svg.substring(0, 400));
        // the projection separates the classes along PC1
        double left = 0, right = 0;
        for (int i = 0; i < n; i++) {
            double v = p.projected().get(i, 0);
            if (labels[i] == 0) {
                left += v;
            } else {
                right += v;
            }
        }
        assertTrue(Math.signum(left) != Math.signum(right), "the two classes on either side of PC1");

        // TensorBoard's projector files, written by the TensorBoard sink
        rec.close();
        String config = Files.readString(dir.resolve("projector_config.pbtxt"));
        assertTrue(config.contains("tensor_path: \"embedding/tensors.tsv\"") && config.contains("metadata_path: \"embedding/metadata.tsv\"")
                && config.contains("tensor_name: \"hidden@7\""), config);
        List<String> rows = Files.readAllLines(dir.resolve("embedding/tensors.tsv"));
        List<String> meta = Files.readAllLines(dir.resolve("embedding/metadata.tsv"));
        assertEquals(n, rows.size());
        assertEquals(n, meta.size(), "one column: no header line");
        for (int i = 0; i < n; i += 17) {
            String[] v = rows.get(i).split("\t");
            assertEquals(3, v.length);
            assertEquals(x[3 * i + 1], Float.parseFloat(v[1]));
            assertEquals(labels[i] == 0 ? "left" : "right", meta.get(i));
        }
    }

    @TempDir
    Path dir;
}
