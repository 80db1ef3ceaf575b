package io.nnviz.cli;

import io.nnviz.api.spi.Printable;
import io.nnviz.recording.Runs;
import io.nnviz.recording.storage.RunStore;
import io.nnviz.recording.view.RunComparison;
import io.nnviz.renderers.report.HtmlReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code nnviz runs ROOT --out DIR}: every run under a runs root ({@link Runs}) compared in one
 * report ({@link RunComparison}): the runs table, the overlaid curves, hyperparameters against the
 * target metric. Reads run files only (no model, no framework), so it runs in this JVM.
 */
@Command(name = "runs", mixinStandardHelpOptions = true,
        description = "Compares the runs under a runs root (Recorder.builder().runsRoot(ROOT)): a sortable runs table, every metric "
                + "overlaid with a colour per run, hyperparameters against the target metric.")
final class RunsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "ROOT", description = RunRoots.DESCRIPTION)
    String root;

    @Option(names = "--out", defaultValue = "nnviz-runs", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        Runs runs;
        try (RunStore store = RunRoots.open(root)) {
            runs = Runs.open(store);
        }
        for (String p : runs.problems()) {
            main.err.println("nnviz: " + Printable.oneLine(p));
        }
        if (runs.logs().isEmpty()) {
            throw new Main.UsageException(root + ": no run (run.json or events.jsonl) under it");
        }
        HtmlReport report = HtmlReport.titled(runs.logs().size() + " runs in " + root.replaceAll("/+$", "").replaceAll(".*/", ""));
        if (!runs.problems().isEmpty()) {
            report.section("Runs").note(runs.problems().size() + " runs could not be read: " + String.join("; ", runs.problems()));
        }
        // staged as inspect's output is: a full disk or a killed run leaves no half-written comparison
        try (Outputs outputs = Outputs.in(out, "html")) {
            outputs.report(RunComparison.of(runs.logs()).addTo(report));
            outputs.commit();
        }
        main.out.printf("%d runs compared (%d left out): %s%n", runs.logs().size(), runs.problems().size(),
                out.resolve("index.html").toAbsolutePath());
        return Main.OK;
    }
}
