package io.nnviz.docs.snippets;

import io.nnviz.analysis.Pca;
import io.nnviz.api.Histogram;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.attention.Attention;
import io.nnviz.api.attention.AttentionMaps;
import io.nnviz.api.attribution.Attribution;
import io.nnviz.api.attribution.Faithfulness;
import io.nnviz.api.attribution.GradCam;
import io.nnviz.api.attribution.IntegratedGradients;
import io.nnviz.api.attribution.ModelRandomization;
import io.nnviz.api.text.TokenizedText;
import io.nnviz.backend.djl.HfTextTokenizer;
import io.nnviz.recording.Recorder;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.figures.ActivationGrid;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.figures.AttentionFigures;
import io.nnviz.renderers.figures.AttributionFigure;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.renderers.figures.Heatmap;
import io.nnviz.renderers.figures.HistogramRidge;
import io.nnviz.renderers.figures.LineChart;
import io.nnviz.renderers.figures.SaliencyOverlay;
import io.nnviz.renderers.figures.Scatter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The snippets of docs/figures.md, compiled: each method's body between the markers is shown there as it is. */
@SuppressWarnings("unused")
final class FigureSnippets {
    void figures(ModelView model, Map<String, Tensor> acts, Tensor image, Tensor batch, int cls, double[] steps, double[] loss,
                 long[][] counts, List<String> classNames, long step, Tensor w, double[] truth, double[] predicted, io.nnviz.api.WeightTensor kernel)
            throws Exception {
        // docs:begin
        Figures.writeSvg(FilterGrid.of(model.weights("conv1").get(0)).build(), Path.of("out/conv1.svg"));
        Figures.writePng(ActivationGrid.of(acts.get("conv2").slice(0)).topK(16).build(), Path.of("out/conv2.png"), 2);
        Figures.writeSvg(ArchitectureDiagram.of(model).build(), Path.of("out/architecture.svg"));
        Figures.writeSvg(SaliencyOverlay.saliency(image, model.inputGradient(batch, cls).slice(0)).build(), Path.of("out/saliency.svg"));
        Figures.writeSvg(LineChart.titled("Loss").series("train", steps, loss).smoothing(0.6).build(), Path.of("out/loss.svg"));
        Figures.writeSvg(Heatmap.confusionMatrix(counts, classNames, true).build(), Path.of("out/confusion.svg"));
        Figures.writeSvg(HistogramRidge.titled("fc1 kernel").add(step, Histogram.of(w, 40)) /* ... */ .build(), Path.of("out/fc1-hist.svg"));
        Figures.writeSvg(Scatter.predictedVsTrue(truth, predicted).build(), Path.of("out/regression.svg"));
        Files.write(Path.of("out/conv1-tiles.png"), FilterGrid.of(kernel).build().mosaic().toPng()); // bare tiles, like make_grid
        // docs:end
    }

    void integratedGradients(ModelView model, Tensor image) throws Exception {
        // docs:begin
        int cls = 9;
        Attribution ig = IntegratedGradients.of(model).steps(64).attribute(image, cls);   // image: [1, C, H, W]
        Faithfulness f = Faithfulness.of(model);
        Figures.writeSvg(AttributionFigure.of(image.slice(0), ig).deletion(f.deletion(image, cls, ig)).insertion(f.insertion(image, cls, ig)).build(),
                Path.of("out/ig.svg"));
        // docs:end
    }

    void randomisation(ModelView model, Tensor image, int cls) {
        // docs:begin
        ModelRandomization.Result r = ModelRandomization.of(model).full(GradCam::of, image, cls);
        double rho = r.last().rankCorrelation();                 // near 0: Grad-CAM depends on the weights
        // docs:end
    }

    void attention(ModelView model) throws Exception {
        // docs:begin
        TokenizedText t = new HfTextTokenizer().encode(Path.of("tokenizer.json"), "The quick brown fox", 512);
        Attention a = AttentionMaps.of(model, Map.of("input_ids", ids(t.ids()), "attention_mask", ids(t.attentionMask()),
                "token_type_ids", ids(t.typeIds())), t.tokens());                 // ids(long[]): a [1, T] Tensor
        Figures.writeSvg(AttentionFigures.modelView(a), Path.of("out/attention.svg"));
        // docs:end
    }

    void embeddings(Tensor testImages, int[] testLabels, List<String> classes, Tensor activations) {
        // docs:begin
        Recorder rec = Recorder.builder().embeddings(testImages, testLabels).classNames(classes).tensorBoard(Path.of("tb")).build();
        Pca p = Pca.fit(activations, 2);      // [N, D] or [N, C, H, W]; p.projected() is [N, 2], p.explainedVarianceRatio()
        // docs:end
    }

    private static Tensor ids(long[] ids) {
        float[] f = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            f[i] = ids[i];
        }
        return Tensor.of(f, 1, ids.length);
    }
}
