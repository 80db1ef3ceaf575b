package io.nnviz.cli;

import io.nnviz.dashboard.LiveDashboard;
import io.nnviz.dashboard.RunsWatcher;
import io.nnviz.recording.storage.RunStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/**
 * {@code nnviz serve ROOT}: the live dashboard over a runs root, on 127.0.0.1: a page per run,
 * kept current as the runs write, new runs appearing as they start; until the process is stopped.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serves the live dashboard over a runs root on 127.0.0.1: a page per run, current as it trains, new runs as they start.")
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "ROOT", description = RunRoots.DESCRIPTION)
    String root;

    @Option(names = "--port", defaultValue = "0", description = "The port (default: a free one, printed).")
    int port;

    @Option(names = "--every", defaultValue = "2000", paramLabel = "MS", description = "How often to look for changes, in ms (default: ${DEFAULT-VALUE}).")
    long every;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new Main.UsageException("--port " + port + ": 0 (a free one) to 65535");
        }
        if (every < 10) {
            throw new Main.UsageException("--every " + every + ": at least 10 ms");
        }
        try (RunStore store = RunRoots.open(root); LiveDashboard dash = LiveDashboard.start(port);
             RunsWatcher w = RunsWatcher.start(dash, store, every)) {
            main.out.println("nnviz: serving " + w.shown().size() + " runs of " + store.location() + " at " + dash.uri()
                    + " (all of them compared at " + dash.uri().resolve("run/" + RunsWatcher.COMPARISON + "/") + ")");
            main.out.flush();
            Thread.currentThread().join(); // until the process is stopped
        }
        return Main.OK;
    }
}
