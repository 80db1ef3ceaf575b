package io.nnviz.cli;

import io.nnviz.api.NnvizException;
import io.nnviz.api.spi.Printable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code nnviz}: render any saved model headlessly. Exit codes: 0 success, 1 an internal error,
 * 2 a usage error (bad options, an output folder that cannot be written), 3 a model that cannot
 * be read or is not supported. Errors are one line on stderr naming the file and the reason; the
 * stack trace only with {@code --verbose}. Commands that read a model run in a child JVM under a
 * memory budget and an optional time limit ({@link ChildJvm}), so a native crash or a runaway
 * allocation is exit 3 too.
 */
@Command(name = "nnviz", mixinStandardHelpOptions = true, version = "nnviz 0.1.0-SNAPSHOT",
        description = "Renders saved neural networks headlessly: summary, architecture, filters, activations, attribution, attention.",
        footer = {"", "Formats (told apart by content): DL4J zip, Keras .h5 and .keras, TensorFlow SavedModel folder,"
                + " frozen .pb, TensorFlow Lite .tflite, TorchScript .pt, ONNX .onnx; the weights of PyTorch checkpoints"
                + " (.pt, .pth, .bin), safetensors and GGUF files.", "Exit codes: 0 ok, 1 internal error, 2 usage error, 3 unreadable or unsupported model."})
public final class Main implements Runnable {
    /** Renderers' layout cache folder (io.nnviz.renderers.figures.LayoutCache): set to the CLI's cache unless given ({@code -Dnnviz.layoutCache=} for none). */
    static final String LAYOUT_CACHE = "nnviz.layoutCache";
    static final int OK = 0, INTERNAL = 1, USAGE = 2, BAD_MODEL = 3;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Stack traces on errors; the frameworks' log lines, native ones included.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, scope = CommandLine.ScopeType.INHERIT, description = "No progress bar or messages on stderr, only errors; a command's results (inspect's table) still go to stdout.")
    boolean quiet;

    PrintStream out = System.out, err = System.err;

    /** The subcommands' names, in the order the usage lists them. */
    static final List<String> COMMANDS = List.of("inspect", "activations", "attribute", "attention", "diff", "runs", "doctor", "serve");

    /** A new subcommand object (a switch, not constructor references: each reference costs a fresh JVM a lambda's set-up). */
    private static Object command(String name) {
        return switch (name) {
            case "inspect" -> new InspectCommand();
            case "activations" -> new ActivationsCommand();
            case "attribute" -> new AttributeCommand();
            case "attention" -> new AttentionCommand();
            case "diff" -> new DiffCommand();
            case "runs" -> new RunsCommand();
            case "doctor" -> new DoctorCommand();
            case "serve" -> new ServeCommand();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * The command line for {@code args}: {@code main} and its subcommands. picocli builds a
     * subcommand's model from its annotations and fields by reflection, tens of milliseconds for
     * all of them in a fresh JVM (every command starts one), so when the arguments name a
     * subcommand before any other word (and ask for no help or version first) only that one is
     * built: no other could run. Otherwise all are, for the usage and picocli's suggestions.
     */
    static CommandLine commandLine(Main main, String... args) {
        CommandLine cl = new CommandLine(main);
        String named = null;
        for (String a : args) {
            if (List.of("-h", "--help", "-V", "--version").contains(a)) {
                break;
            }
            if (!a.startsWith("-")) {
                named = a;
                break;
            }
        }
        for (String c : named != null && COMMANDS.contains(named) ? List.of(named) : COMMANDS) {
            cl.addSubcommand(command(c));
        }
        return cl;
    }

    @Override
    public void run() {
        commandLine(this).usage(out);
    }

    /** A usage problem found while running (exit code 2). */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** A model that cannot be read (exit code 3); the message starts with the file. */
    static final class ModelException extends RuntimeException {
        ModelException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Runs the command line and returns the exit code, writing to {@code out} and {@code err}. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        // frameworks log a lot at INFO; the CLI shows warnings unless --verbose (set before any logger exists)
        boolean verboseAsked = Arrays.asList(args).contains("--verbose");
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null || verboseAsked) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verboseAsked ? "info" : "warn");
        }
        if (!verboseAsked) {
            // warnings that say nothing about the user's model: no GPU on a CPU machine
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda", "error");
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl.onnxruntime.engine.OrtEngine", "error");
            // the frameworks' own log lines (DL4J's Keras import: "Couldn't determine dim ordering"; jHDF's on a damaged
            // .h5: "buffer still has 48 bytes remaining") are not the CLI's one line; nnviz's own warnings stay
            for (String framework : new String[] {"org.deeplearning4j", "org.nd4j", "ai.djl", "org.tensorflow", "org.bytedeco", "io.jhdf"}) {
                System.setProperty("org.slf4j.simpleLogger.log." + framework, "off");
            }
        }
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        Main main = new Main();
        main.out = out;
        main.err = err;
        CommandLine cl = commandLine(main, args);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        // picocli answers invalid input with ExitCode.USAGE, which is 2: one line, as for every other error, not the whole usage
        cl.setParameterExceptionHandler((e, a) -> {
            CommandLine c = e.getCommandLine();
            err.println("nnviz: " + Printable.oneLine(e.getMessage()) + " (nnviz " + (c.getCommandName().equals("nnviz") ? "" : c.getCommandName() + " ")
                    + "--help for the options)");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Throwable t = e;
            int code;
            String msg;
            String exhausted = exhausted(t, parsed);
            if (exhausted != null) {
                code = BAD_MODEL;
                msg = exhausted;
            } else if (t instanceof UsageException) {
                code = USAGE;
                msg = t.getMessage();
            } else if (t instanceof ModelException || t instanceof NnvizException) {
                code = BAD_MODEL;
                msg = t.getMessage();
            } else if (fileFault(t) != null) {
                code = USAGE; // the machine's fault, not the model's: a full disk, a read-only or missing folder
                msg = fileFault(t);
            } else {
                code = INTERNAL;
                msg = "internal error: " + t + (main.verbose ? "" : " (--verbose for details)");
            }
            err.println("nnviz: " + Printable.oneLine(msg));
            if (main.verbose) {
                t.printStackTrace(err);
            }
            return code;
        });
        if (ChildJvm.isChild() && System.getenv(Prescan.EXPECT) != null) {
            // the parent started this child on its reading of the command line: nothing is done unless the parse agrees
            cl.setExecutionStrategy(r -> Prescan.check(modelOptions(r)) ? new CommandLine.RunLast().execute(r) : Prescan.MISMATCH);
        }
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError | StackOverflowError e) { // picocli passes errors on: the memory is free again once they unwind
            err.println("nnviz: " + Printable.oneLine(exhausted(e, cl.getParseResult())));
            if (main.verbose) {
                e.printStackTrace(err);
            }
            return BAD_MODEL;
        }
    }

    /**
     * The line for a file the command could not write or read (a full disk, a read-only or
     * vanished folder), naming the file and the system's reason; null if no such cause.
     */
    static String fileFault(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof FileSystemException f && f.getFile() != null) {
                String reason = f.getReason() != null ? f.getReason() : switch (f.getClass().getSimpleName()) {
                    case "AccessDeniedException" -> "permission denied";
                    case "NoSuchFileException" -> "no such file or folder";
                    case "NotDirectoryException" -> "not a folder";
                    case "FileAlreadyExistsException" -> "already exists";
                    default -> f.getClass().getSimpleName();
                };
                return Printable.line(f.getFile()) + ": " + reason;
            }
            if (c instanceof IOException io && io.getMessage() != null && io.getMessage().contains("No space left on device")) {
                return "the disk is full (No space left on device)";
            }
        }
        return null;
    }

    /** The line for a model that exhausted the heap or the stack (among {@code t}'s causes), else null. */
    private static String exhausted(Throwable t, CommandLine.ParseResult parsed) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof OutOfMemoryError || c instanceof StackOverflowError) {
                String subject = "the model";
                CommandLine.ParseResult sub = parsed == null ? null : parsed.subcommand();
                if (sub != null && sub.commandSpec().userObject() instanceof ModelOptions.Command m && m.options().model != null) {
                    subject = m.options().model.toString();
                }
                return subject + (c instanceof OutOfMemoryError ? ": model too large for the memory budget (" + c.getMessage()
                        + "; --max-memory, or -Xmx for the Java heap, raises it)" : ": nested too deeply to be read (the stack ran out)");
            }
        }
        return null;
    }

    /**
     * The entry point. A command that reads a model runs in a child JVM under its memory and time
     * limits ({@link ChildJvm}); everything else (help, usage errors) runs here.
     */
    public static void main(String[] args) {
        if (System.getProperty(LAYOUT_CACHE) == null) {
            // layouts are kept between commands: the same model drawn again skips ELK (a second or so on a large graph)
            System.setProperty(LAYOUT_CACHE, CliSupport.cacheRoot().resolve("layouts").toString());
        }
        if (ChildJvm.isChild()) {
            ChildJvm.exitWithParent();
            int code = execute(args, System.out, System.err);
            Cds.commandEnded(code);
            System.exit(code);
        }
        boolean quiet = !Arrays.asList(args).contains("--verbose");
        Prescan.Read read = Prescan.read(args);
        if (read != null) {
            // the child starts on what the command line plainly says; it checks that against its own parse before it does
            // anything, and this process parses only if it has to (a child that said otherwise, an ending to explain)
            try {
                boolean outExisted = Files.exists(read.options().out);
                ChildJvm.Limits limits = read.options().limits();
                ChildJvm.Ending e = ChildJvm.start(Main.class.getName(), List.of(args), limits, quiet, read.model(),
                        Map.of(Prescan.EXPECT, read.expectation()), System.out, System.err);
                if (e.killedFor() != null || e.code() != Prescan.MISMATCH) {
                    int code = ChildJvm.verdict(e, limits, () -> {
                        ModelOptions exact = modelOptions(args);
                        return exact != null ? exact.model.toString() : read.model() != null ? read.model().toString() : "the model";
                    }, System.err);
                    if (code != OK) { // a child that was killed or crashed could not clean up after itself
                        ModelOptions exact = modelOptions(args);
                        if (exact != null && exact.out.equals(read.options().out)) {
                            Outputs.removeStaleStaging(exact.out, outExisted);
                        }
                    }
                    System.exit(code);
                }
            } catch (IOException e) {
                // no child JVM to be had: as below, which runs the command here
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                System.exit(INTERNAL);
            }
        }
        ModelOptions isolated = modelOptions(args);
        if (isolated != null) {
            try {
                boolean outExisted = Files.exists(isolated.out);
                int code = ChildJvm.run(Main.class.getName(), List.of(args), isolated.limits(), quiet, isolated.model.toString(), isolated.model,
                        System.out, System.err);
                if (code != OK) { // a child that was killed or crashed could not clean up after itself
                    Outputs.removeStaleStaging(isolated.out, outExisted);
                }
                System.exit(code);
            } catch (IOException e) {
                // no child JVM to be had: run here, without the net
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                System.exit(INTERNAL);
            }
        }
        System.exit(execute(args, System.out, System.err));
    }

    /** The model options of a command line that reads a model and parses well, else null (it runs here and says what is wrong). */
    static ModelOptions modelOptions(String[] args) {
        try {
            return modelOptions(commandLine(new Main(), args).parseArgs(args));
        } catch (CommandLine.ParameterException e) {
            return null;
        }
    }

    /** The model options of a parsed command line that reads a model, else null. */
    static ModelOptions modelOptions(CommandLine.ParseResult r) {
        try {
            CommandLine.ParseResult sub = r.subcommand();
            if (r.isUsageHelpRequested() || r.isVersionHelpRequested() || sub == null || sub.isUsageHelpRequested()
                    || sub.isVersionHelpRequested() || !(sub.commandSpec().userObject() instanceof ModelOptions.Command c)) {
                return null;
            }
            c.options().limits(); // a bad --max-memory or --timeout is reported by the command itself
            return c.options();
        } catch (UsageException e) {
            return null;
        }
    }
}
