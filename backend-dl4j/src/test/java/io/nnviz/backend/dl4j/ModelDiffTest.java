package io.nnviz.backend.dl4j;

import io.nnviz.NNViz;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.api.diff.ModelDiff;
import io.nnviz.testkit.Corpus;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model diff on real files: a Keras file against its DL4J import (two formats, one network),
 * two checkpoints of one training run (the norms against ND4J's own arithmetic on the parameters)
 * and a copy with one layer changed.
 */
@Tag("natives")
class ModelDiffTest {
    @TempDir
    Path dir;

    @Test
    @Tag("corpus")
    void aKerasFileAndItsDl4jImportAreTheSameNetwork() throws Exception {
        Path h5 = Corpus.file("keras/esrgan-slim-x2.h5"), zip = dir.resolve("esrgan.zip");
        ModelSerializer.writeModel(KerasModelImport.importKerasModelAndWeights(h5.toString(), false), zip.toFile(), false);
        try (ModelView a = NNViz.load(h5); ModelView b = NNViz.load(zip)) {
            ModelDiff d = ModelDiff.of(a, b);
            assertTrue(d.isEmpty(), "no layer added, removed or changed, no weight moved: " + d.layers().stream()
                    .filter(l -> l.change() != ModelDiff.Change.SAME || l.weightChange() > 0).toList());
            assertEquals(a.layers().stream().filter(l -> l.parameterCount() > 0).count(), d.weightChanges().size());
        }
        try (ModelView a = NNViz.load(h5); ModelView b = NNViz.load(Corpus.file("keras/esrgan-slim-x4.h5"))) {
            ModelDiff d = ModelDiff.of(a, b); // the x4 model: the same network up to its upsampling, trained on its own
            assertEquals(List.of("UPN3", "UPsample", "SR"), d.changed().stream().map(ModelDiff.LayerDiff::idB).toList());
            assertTrue(d.weightChanges().get("F_0") > 0.5, "independently trained weights differ: " + d.weightChanges());
        }
    }

    @Test
    void twoCheckpointsOfOneRunGiveTheWeightNormsOfTheirDifference() throws Exception {
        MultiLayerNetwork net = Nets.gapCnn();
        Path first = dir.resolve("step0.zip"), later = dir.resolve("step60.zip");
        ModelSerializer.writeModel(net, first.toFile(), false);
        List<Map<String, INDArray>> before = new ArrayList<>();
        for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
            Map<String, INDArray> copy = new java.util.LinkedHashMap<>();
            l.paramTable().forEach((k, v) -> copy.put(k, v.dup()));
            before.add(copy);
        }
        for (int i = 0; i < 60; i++) {
            net.fit(Nets.flatBatch(i));
        }
        ModelSerializer.writeModel(net, later.toFile(), false);
        try (ModelView a = NNViz.load(first); ModelView b = NNViz.load(later)) {
            ModelDiff d = ModelDiff.of(a, b);
            assertTrue(d.changed().isEmpty() && d.added().isEmpty() && d.removed().isEmpty());
            List<String> weighted = b.layers().stream().filter(l -> l.parameterCount() > 0).map(LayerInfo::id).toList();
            int k = 0;
            for (int i = 0; i < net.getnLayers(); i++) {
                Map<String, INDArray> now = net.getLayer(i).paramTable();
                if (now.isEmpty()) {
                    continue;
                }
                double diff = 0, norm = 0;
                for (Map.Entry<String, INDArray> e : now.entrySet()) {
                    INDArray was = before.get(i).get(e.getKey());
                    diff += Math.pow(e.getValue().sub(was).norm2Number().doubleValue(), 2);
                    norm += Math.pow(was.norm2Number().doubleValue(), 2);
                }
                String id = weighted.get(k++);
                assertEquals(Math.sqrt(diff / norm), d.weightChanges().get(id), 1e-4 * Math.sqrt(diff / norm), id);
                assertTrue(d.weightChanges().get(id) > 0, id + " moved in 60 steps");
            }
            assertEquals(weighted.size(), k);
        }
    }

    @Test
    void aCopyWithOneLayerChangedNamesExactlyThatLayer() {
        try (ModelView m = NNViz.inspect(Nets.gapCnn())) {
            String conv = m.layers().stream().filter(l -> l.parameterCount() > 0).skip(1).findFirst().orElseThrow().id();
            try (ModelView copy = m.withShuffledWeights(List.of(conv), 4)) {
                ModelDiff d = ModelDiff.of(m, copy);
                assertTrue(d.changed().isEmpty());
                d.weightChanges().forEach((id, w) -> assertEquals(id.equals(conv), w > 0, id + ": " + w));
            }
        }
    }
}
