package io.nnviz.recording.view;

import io.nnviz.analysis.doctor.Doctor;
import io.nnviz.api.ModelView;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.diff.ModelDiff;
import io.nnviz.recording.diagnosis.RunRecord;
import io.nnviz.recording.run.RunInfo;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.run.Stamped;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.report.HtmlReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import static io.nnviz.recording.view.RunFigures.EMBEDDING;
import static io.nnviz.recording.view.RunFigures.EPOCHS;
import static io.nnviz.recording.view.RunFigures.FILTERS;
import static io.nnviz.recording.view.RunFigures.PROBES;
import static io.nnviz.recording.view.RunFigures.TRAINING;
import static io.nnviz.recording.view.RunFigures.WEIGHTS;

/**
 * Adds one run to an HTML report: first the training doctor's diagnosis (its findings, each linked
 * to the figures showing it), then the model's architecture, a line on the run and its notes, every
 * figure of {@link RunFigures} by section, and what only the trained model gives (the filters as
 * trained, each layer's weight change and gradient norm on the architecture, and for image probes
 * the saliency, Integrated Gradients and Grad-CAM of the predicted class). Immutable; the figures
 * are read from the log as it is when {@link #addTo} runs.
 *
 * <pre>{@code
 * RunReport.of(RunJson.read(Path.of("runs/cnn/run.json"))).addTo(HtmlReport.titled("cnn")).write(Path.of("report"));
 * }</pre>
 */
public final class RunReport {
    private static final Logger LOG = LoggerFactory.getLogger(RunReport.class);

    private final RunLog log;
    private final ModelView model;
    private final Doctor doctor;

    private RunReport(RunLog log, ModelView model, Doctor doctor) {
        this.log = Objects.requireNonNull(log, "log");
        this.model = model;
        this.doctor = Objects.requireNonNull(doctor, "doctor");
    }

    /** The report of {@code log}, with the report's own model if it has one ({@link HtmlReport#model(ModelView)}). */
    public static RunReport of(RunLog log) {
        return new RunReport(log, null, Doctor.defaults());
    }

    /**
     * The report of {@code log} trained on {@code model} (null: none), for the architecture and the
     * figures drawn from the model; a report that has a model of its own ({@link HtmlReport#model(ModelView)})
     * uses that one.
     */
    public static RunReport of(RunLog log, ModelView model) {
        return new RunReport(log, model, Doctor.defaults());
    }

    /** This report diagnosing the run with {@code d} (default {@link Doctor#defaults()}). */
    public RunReport doctor(Doctor d) {
        return new RunReport(log, model, d);
    }

    /**
     * Adds the run to {@code report}: its diagnosis as the report's lead section, the architecture of the model (if any), every entry of
     * {@link RunFigures#entries()} by section, the trained filters read from the model when
     * training went on after the last snapshot, and, for image probes, the model's saliency and
     * Grad-CAM for its predicted class.
     *
     * @return {@code report}
     */
    public HtmlReport addTo(HtmlReport report) {
        DiagnosisSection.addTo(report, doctor.diagnose(RunRecord.of(log)), doctor.rules().size());
        ModelView model = report.model().orElse(this.model);
        if (model != null) {
            report.section("Architecture").architecture(model);
        }
        List<RunFigures.Entry> entries = RunFigures.of(log).entries();
        report.section(TRAINING).note(describe(log.info()));
        log.notes().values().forEach(report::note);
        if (log.dropped() > 0) {
            report.note(log.dropped() + " pieces of background work (histograms, sink writes) were dropped because training outran the"
                    + " recorder's thread; the curves are complete, some histograms are missing.");
        }
        for (String section : List.of(TRAINING, EPOCHS, WEIGHTS, FILTERS, PROBES, EMBEDDING)) {
            boolean started = section.equals(TRAINING);
            for (RunFigures.Entry e : entries) {
                if (!e.section().equals(section)) {
                    continue;
                }
                if (!started) {
                    report.section(section.equals(PROBES) ? probeHeading(log) : section);
                    started = true;
                }
                if (e.layer() != null) {
                    report.layerFigure(e.layer(), e.name(), e.figure());
                } else {
                    report.figure(e.name(), e.figure());
                }
            }
            if (section.equals(FILTERS) && started && model != null) { // after the snapshots, as it is later than all: in step order
                trainedFilters(report, log, model);
            }
        }
        if (model != null) {
            log.initialWeights().ifPresent(w -> report.section(WEIGHTS).figure("weight change", safe("Weight change", () -> weightChange(model, w))));
            log.latestGradientNorms().ifPresent(g -> report.section(WEIGHTS).figure("gradient norm", safe("Gradient norm", () ->
                    ArchitectureDiagram.of(model).overlay(g.value(), "||gradient||")
                            .title("Gradient norm per layer at step " + g.step()).build())));
            ProbeAttributions.addTo(report, log, model, probeHeading(log), RunReport::safe);
        }
        return report;
    }

    /**
     * One line on the run: its name once (not "Run run (...)" for a run named "run"), its id, start,
     * hyperparameters and tags.
     */
    static String describe(RunInfo i) {
        StringBuilder b = new StringBuilder(i.name().isBlank() || i.name().equals(i.id()) ? "Run " + i.id() : i.name() + " (id " + i.id() + ")")
                .append(", started ").append(i.started().truncatedTo(ChronoUnit.SECONDS));
        if (!i.hyperparameters().isEmpty()) {
            b.append("; hyperparameters: ");
            i.hyperparameters().forEach((k, v) -> b.append(k).append(" = ").append(v).append(", "));
            b.setLength(b.length() - 2);
        }
        if (!i.tags().isEmpty()) {
            b.append("; tags: ").append(String.join(", ", i.tags()));
        }
        return b.append('.').toString();
    }

    /** How far each layer moved since the weights kept at the first capture: ||W - W_first|| / ||W_first|| on the architecture. */
    private static Figure weightChange(ModelView model, Stamped<Map<String, List<WeightTensor>>> first) {
        Map<String, Double> change = new LinkedHashMap<>();
        first.value().forEach((layer, ws) -> {
            if (model.layer(layer).isPresent()) {
                change.put(layer, ModelDiff.relativeChange(ws, model.weights(layer)));
            }
        });
        return ArchitectureDiagram.of(model).overlay(change, "||W - W_first|| / ||W_first||")
                .title("Weight change since step " + first.step() + ", by layer").build();
    }

    /** The heading of the probes' section: "Probe inputs 1 to 4", counted from 1 (its attributions say they are of probe 1). */
    static String probeHeading(RunLog log) {
        int n = log.probeInputs().map(t -> t.shape().dim(0)).orElse(1);
        return n > 1 ? "Probe inputs 1 to " + n : "Probe input"; // the figures show every probe, counted from 1
    }

    /** The figure, or a notice saying why it could not be drawn. */
    static Figure safe(String title, Supplier<Figure> draw) {
        return new RunFigures.Entry("x", title, "", title, 0, draw).figure();
    }

    /** The first conv's filters as trained, read from the model now, if training went on after the latest snapshot. */
    private static void trainedFilters(HtmlReport report, RunLog log, ModelView model) {
        Stamped<WeightTensor> first = log.firstFilters().orElseThrow();
        long at = log.latestFilters().map(Stamped::step).orElse(first.step());
        if (log.lastStep() <= at) {
            return;
        }
        try {
            for (WeightTensor t : model.weights(first.value().layerId())) {
                if (t.role() == WeightRole.KERNEL && t.values().shape().equals(first.value().values().shape())) {
                    Stamped<WeightTensor> now = new Stamped<>(log.lastStep(), t);
                    report.figure("filters trained", safe(RunFigures.filtersTitle(now), () -> RunFigures.filters(now)));
                    return;
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("nnviz: the trained filters of {} could not be read: {}", first.value().layerId(), e.getMessage());
        }
    }
}
