package io.nnviz.recording.view;

import io.nnviz.api.Capability;
import io.nnviz.api.ModelClosedException;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.attribution.Attribution;
import io.nnviz.api.attribution.AttributionMethod;
import io.nnviz.api.attribution.Faithfulness;
import io.nnviz.api.attribution.GradCam;
import io.nnviz.api.attribution.IntegratedGradients;
import io.nnviz.api.attribution.ModelRandomization;
import io.nnviz.recording.run.RunLog;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.figures.AttributionFigure;
import io.nnviz.renderers.figures.SaliencyOverlay;
import io.nnviz.renderers.report.HtmlReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the model looks at in the first probe image, drawn at report time (off the training thread):
 * the plain saliency, Integrated Gradients and Grad-CAM at the last conv layer with probe maps, the
 * last two with their deletion and insertion curves and the rank correlation of their maps with those
 * of the model with every layer's weights randomised (the model randomisation check), all for the
 * predicted class.
 */
final class ProbeAttributions {
    private static final Logger LOG = LoggerFactory.getLogger(ProbeAttributions.class);
    /** Integrated Gradients' steps in a report: enough for a faithful map, few enough for a report drawn at every epoch. */
    private static final int STEPS = 32;

    private ProbeAttributions() {
    }

    /** Adds the figures under {@code heading}; {@code safe} turns a figure that fails into a notice. */
    static void addTo(HtmlReport report, RunLog log, ModelView model, String heading, BiFunction<String, Supplier<Figure>, Figure> safe) {
        Tensor probes = log.probeInputs().orElse(null);
        if (probes == null || probes.rank() != 4) {
            return;
        }
        String lastConv = log.latestProbes().flatMap(p -> p.value().entrySet().stream().filter(e -> e.getValue().rank() == 4)
                .map(Map.Entry::getKey).reduce((a, b) -> b)).orElse(null);
        Tensor probe = probes.head(1);
        try {
            int cls = argmax(model.scores(probe));
            String what = log.info().className(cls);
            report.section(heading);
            report.figure("saliency", safe.apply("Saliency", () -> SaliencyOverlay.saliency(probe.slice(0), model.inputGradient(probe, cls).slice(0))
                    .title("Saliency of probe 1 for " + what + ", the predicted class").build()));
            Faithfulness f = Faithfulness.of(model);
            report.figure("integrated-gradients", safe.apply("Integrated Gradients", () -> {
                Attribution a = IntegratedGradients.of(model).steps(STEPS).attribute(probe, cls);
                AttributionFigure fig = AttributionFigure.of(probe.slice(0), a).deletion(f.deletion(probe, cls, a))
                        .insertion(f.insertion(probe, cls, a)).title("Integrated Gradients of probe 1 for " + what);
                sanity(model, a, m -> IntegratedGradients.of(m).steps(STEPS), probe, cls, fig);
                return fig.build();
            }));
            if (lastConv != null) {
                report.layerFigure(lastConv, "grad-cam", safe.apply("Grad-CAM", () -> {
                    Attribution a = GradCam.of(model).layer(lastConv).attribute(probe, cls);
                    AttributionFigure fig = AttributionFigure.of(probe.slice(0), a).deletion(f.deletion(probe, cls, a))
                            .insertion(f.insertion(probe, cls, a)).title("Grad-CAM of probe 1 at " + lastConv + " for " + what);
                    sanity(model, a, m -> GradCam.of(m).layer(lastConv), probe, cls, fig);
                    return fig.build();
                }));
            }
        } catch (RuntimeException e) { // a model that cannot give gradients still gets its other figures; the page says why
            LOG.warn("nnviz: no saliency for the probe: {}", e.getMessage());
            report.section(heading).note("No saliency, Integrated Gradients or Grad-CAM for the first probe: " + e.getMessage()
                    + (e instanceof ModelClosedException ? " (the report needs the model open: add the run to it before closing the model)" : "")
                    + ".");
        }
    }

    /** Adds the model randomisation check to the figure where the backend can randomise the model. */
    private static void sanity(ModelView model, Attribution a, Function<ModelView, AttributionMethod> method,
                               Tensor probe, int cls, AttributionFigure fig) {
        if (model.capabilities().contains(Capability.WEIGHT_RANDOMIZATION)) {
            fig.randomization(ModelRandomization.of(model).fullAgainst(a, method, probe, cls).rankCorrelation());
        }
    }

    private static int argmax(Tensor scores) {
        int n = scores.shape().dim(scores.rank() - 1), best = 0;
        for (int i = 1; i < n; i++) {
            if (scores.getFlat(i) > scores.getFlat(best)) {
                best = i;
            }
        }
        return best;
    }
}
