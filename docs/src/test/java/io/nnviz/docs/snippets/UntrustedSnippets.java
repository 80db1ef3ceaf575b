package io.nnviz.docs.snippets;

import io.nnviz.NNViz;
import io.nnviz.api.LoadOptions;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.figures.ArchitectureDiagram;

import java.nio.file.Path;
import java.time.Duration;

/** The snippet of docs/cli.md on files users upload, compiled. */
@SuppressWarnings("unused")
final class UntrustedSnippets {
    void upload(Path uploaded, Path out) throws Exception {
        // docs:begin
        try (ModelView m = NNViz.load(uploaded, LoadOptions.defaults().isolated(Duration.ofSeconds(60)).memoryBudget(2L << 30))) {
            Figures.writeSvg(ArchitectureDiagram.of(m).build(), out.resolve("architecture.svg"));
        } catch (NnvizException e) {   // refused, or it crashed or hung the isolated JVM: one line, this JVM unharmed
            System.out.println("rejected: " + e.getMessage());
        }
        // docs:end
    }
}
