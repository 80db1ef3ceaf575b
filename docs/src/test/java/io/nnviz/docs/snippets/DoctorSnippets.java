package io.nnviz.docs.snippets;

import io.nnviz.NNViz;
import io.nnviz.analysis.doctor.Severity;
import io.nnviz.api.hook.Attachment;
import io.nnviz.api.hook.TrainingStoppedException;
import io.nnviz.recording.Recorder;
import io.nnviz.renderers.report.HtmlReport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.nio.file.Path;
import java.util.List;

/** The snippets of docs/doctor.md, compiled. */
@SuppressWarnings("unused")
final class DoctorSnippets {
    void recorder(MultiLayerNetwork net, DataSetIterator data, List<String> classes) throws Exception {
        // docs:begin
        Recorder rec = Recorder.builder()
                .classNames(classes)                               // the chance-level rule needs the number of classes
                .onFinding(f -> System.err.println(f.line()))      // each finding once, as it is first found
                .stopOn(Severity.ERROR)                            // stop training at the first NaN or diverged loss
                .build();
        try (Attachment a = NNViz.attach(net, rec)) {
            net.fit(data, 10);                                     // throws TrainingStoppedException at the finding
        } catch (TrainingStoppedException e) {
            System.err.println(e.getMessage());                    // nnviz stopped training at step 8: ERROR non-finite step=8 ...
        }
        rec.findings();                                            // the findings now, most severe first
        rec.addTo(HtmlReport.titled("mlp")).write(Path.of("report"));   // the report leads with its Diagnosis
        // docs:end
    }
}
