package io.nnviz.backend.dl4j;

import io.nnviz.NNViz;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.testkit.AttributionChecks;
import io.nnviz.testkit.Corpus;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/**
 * Issue 18's attribution checks on DL4J: Integrated Gradients complete within 1% at 64 steps on a
 * real Keras model (ESRGAN-slim from the npm registry, imported by DL4J), and on a LeNet trained here
 * on Fashion-MNIST the deletion areas of Integrated Gradients and Grad-CAM below a random map's.
 */
@Tag("natives")
class AttributionTest {
    @org.junit.jupiter.api.io.TempDir
    Path dir;

    @Test
    void onATrainedCnnIntegratedGradientsAndGradCamBeatARandomMapAtDeletionAndGradCamFailsOnceTheModelIsRandomised() throws Exception {
        MultiLayerNetwork net = Nets.gapCnn();
        for (int i = 0; i < 300; i++) {
            net.fit(Nets.flatBatch(i));
        }
        try (ModelView m = NNViz.inspect(net)) {
            System.out.println("GAP CNN (DL4J), 300 steps: " + AttributionChecks.assertFaithful(m, AttributionChecks.testImages(16)));
            AttributionChecks.assertShuffledCopy(m, AttributionChecks.testImages(1).get(0));
            System.out.println("GAP CNN (DL4J): " + AttributionChecks.assertSane(m, AttributionChecks.testImages(8)));
        }
    }

    @Test
    @Tag("corpus")
    void integratedGradientsIsCompleteOnARealKerasModel() throws Exception {
        // the real input's top-left 16 x 16 (the network is fully convolutional; a quarter of the pixels, a quarter of the time)
        Tensor full = Corpus.tensor("keras/esrgan-slim-x2.input.npy").permute(0, 3, 1, 2);
        float[] crop = new float[3 * 16 * 16];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 16; y++) {
                for (int xx = 0; xx < 16; xx++) {
                    crop[(c * 16 + y) * 16 + xx] = full.get(0, c, y, xx);
                }
            }
        }
        Tensor x = Tensor.of(crop, 1, 3, 16, 16);
        // saved as a DL4J zip, which keeps no input type: the image size is free (the Keras file fixes 32 x 32)
        Path zip = dir.resolve("esrgan.zip");
        org.deeplearning4j.util.ModelSerializer.writeModel(org.deeplearning4j.nn.modelimport.keras.KerasModelImport
                .importKerasModelAndWeights(Corpus.file("keras/esrgan-slim-x2.h5").toString(), false), zip.toFile(), false);
        try (ModelView m = NNViz.load(zip)) {
            // the score: the red output channel summed over the upscaled image
            System.out.println("ESRGAN-slim x2 (DL4J): IG relative delta " + AttributionChecks.assertComplete(m, x, 0));
        }
    }
}
