package io.nnviz.cli;

import io.nnviz.analysis.doctor.Doctor;
import io.nnviz.analysis.doctor.Finding;
import io.nnviz.api.spi.Printable;
import io.nnviz.recording.Runs;
import io.nnviz.recording.diagnosis.FindingsJson;
import io.nnviz.recording.diagnosis.RunRecord;
import io.nnviz.recording.format.RunEvents;
import io.nnviz.recording.run.RunLog;
import io.nnviz.recording.storage.RunStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code nnviz doctor RUN}: the training doctor's findings on a recorded run, one line each
 * ({@code SEVERITY RULE step=N [layer=NAME]: message}, most severe first), or {@code no findings};
 * {@code --json} for machines. RUN is a run's directory (its {@code run.json} or event log) or a
 * runs root, whose every run is diagnosed under a heading of its own; a local path or a URI, as
 * {@code nnviz runs} takes. Reads run files only, in this JVM.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Diagnoses a recorded training run: NaN, divergence, plateaus, vanishing and exploding gradients, dead and saturated"
                + " units, update ratios, overfitting, collapse, frozen weights; one line per finding (most severe first) or 'no findings'.")
final class DoctorCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "RUN", description = "A run's directory (run.json or events.jsonl), or a runs root to diagnose each"
            + " of its runs; a local path or a URI (hdfs://namenode:8020/runs/cnn-1a2b3c4d).")
    String run;

    @Option(names = "--json", description = "The findings as JSON: {\"runs\": [{\"id\", \"name\", \"lastStep\", \"findings\": [...]}]}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<RunLog> logs = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try (RunStore store = RunRoots.open(run)) {
            if (isRun(store)) {
                Runs.read(store, "", problems).ifPresent(logs::add);
            } else {
                Runs runs = Runs.open(store);
                logs.addAll(runs.logs());
                problems.addAll(runs.problems());
            }
        }
        for (String p : problems) {
            main.err.println("nnviz: " + Printable.oneLine(run.replaceAll("/+$", "") + (p.startsWith(":") ? "" : "/") + p));
        }
        if (logs.isEmpty()) {
            throw new Main.UsageException(run + ": no run (run.json or events.jsonl) in it or under it");
        }
        Doctor doctor = Doctor.defaults();
        List<List<Finding>> findings = logs.stream().map(l -> doctor.diagnose(RunRecord.of(l))).toList();
        if (json) {
            main.out.println(FindingsJson.of(logs, findings));
            return Main.OK;
        }
        for (int i = 0; i < logs.size(); i++) {
            if (logs.size() > 1) {
                RunLog l = logs.get(i);
                main.out.printf("%s%s (id %s, %,d steps)%n", i == 0 ? "" : "\n", l.info().name(), l.info().id(), l.lastStep());
            }
            if (findings.get(i).isEmpty()) {
                main.out.println("no findings");
            }
            findings.get(i).forEach(f -> main.out.println(f.line()));
        }
        return Main.OK;
    }

    /** Whether the store's root is itself a run's directory: it holds run.json or an event log. */
    private static boolean isRun(RunStore store) throws java.io.IOException {
        for (String f : store.files("", 0)) {
            String name = f.substring(f.lastIndexOf('/') + 1);
            if (name.equals(Runs.RUN_FILE) || RunEvents.isLog(name)) {
                return true;
            }
        }
        return false;
    }
}
