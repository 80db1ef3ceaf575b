package io.nnviz.docs.snippets;

import io.nnviz.NNViz;
import io.nnviz.api.ModelView;
import io.nnviz.api.Tensor;
import io.nnviz.api.diff.ModelDiff;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.figures.DiffDiagram;
import io.nnviz.renderers.figures.Overlays;

import java.nio.file.Path;

/** The snippets of docs/architecture.md, compiled. */
@SuppressWarnings("unused")
final class ArchitectureSnippets {
    void overlay(ModelView model, Tensor probe) throws Exception {
        // docs:begin
        Figures.writeSvg(ArchitectureDiagram.of(model).depth(2).overlay(Overlays.activationSparsity(model, probe), "fraction of zeros").build(),
                Path.of("out/architecture.svg"));
        // docs:end
    }

    void diff() throws Exception {
        // docs:begin
        try (ModelView a = NNViz.load(Path.of("step0.zip")); ModelView b = NNViz.load(Path.of("step500.zip"))) {
            ModelDiff d = ModelDiff.of(a, b);
            d.weightChanges().forEach((layer, change) -> System.out.printf("%s %.3f%n", layer, change));
            Figures.writeSvg(DiffDiagram.of(d, b).title("step 0 -> step 500").build(), Path.of("out/diff.svg"));
        }
        // docs:end
    }
}
