package io.nnviz.cli;

import io.nnviz.api.InvalidInputException;
import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.NnvizException;
import io.nnviz.api.Tensor;
import io.nnviz.api.attention.Attention;
import io.nnviz.api.attention.AttentionMaps;
import io.nnviz.api.spi.Printable;
import io.nnviz.api.spi.Services;
import io.nnviz.api.text.TextTokenizer;
import io.nnviz.api.text.TokenizedText;
import io.nnviz.renderers.figures.AttentionFigures;
import io.nnviz.renderers.report.HtmlReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code nnviz attention MODEL --text "..."}: a transformer's attention for a text, tokenised by the
 * model's own tokenizer: the model view, a head view per layer, and heads asked for by {@code --head}.
 */
@Command(name = "attention", mixinStandardHelpOptions = true,
        description = "Writes a transformer's attention for a text (tokenised by the model's tokenizer.json): the model view (layers x heads),"
                + " a head view per layer, and single heads.")
final class AttentionCommand implements ModelOptions.Command {
    @ParentCommand
    Main main;

    @picocli.CommandLine.Mixin
    ModelOptions opts;

    @Option(names = "--text", required = true, description = "The text whose attention is drawn.")
    String text;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "The model's tokenizer.json (default: tokenizer.json beside the model, or MODEL-tokenizer.json).")
    Path tokenizer;

    @Option(names = "--max-tokens", defaultValue = "512", description = "Longer texts are truncated to this many tokens (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--head", paramLabel = "LAYER,HEAD", description = "Also draw this head as a labelled heatmap. Repeatable.")
    List<String> heads = new ArrayList<>();

    @Override
    public ModelOptions options() {
        return opts;
    }

    private Path tokenizerFile() {
        if (tokenizer != null) {
            if (!Files.isRegularFile(tokenizer)) {
                throw new Main.UsageException("--tokenizer " + tokenizer + ": no such file");
            }
            return tokenizer;
        }
        Path model = opts.model.toAbsolutePath();
        String stem = model.getFileName().toString().replaceAll("\\.[^.]*$", "");
        for (Path p : List.of(model.resolveSibling("tokenizer.json"), model.resolveSibling(stem + "-tokenizer.json"))) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new Main.UsageException(opts.model.getFileName() + ": no tokenizer.json beside it; give one with --tokenizer");
    }

    private int[] head(String spec) {
        String[] p = spec.split(",");
        try {
            if (p.length != 2) {
                throw new NumberFormatException();
            }
            return new int[] {Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim())};
        } catch (NumberFormatException e) {
            throw new Main.UsageException("--head " + spec + ": give LAYER,HEAD such as 2,0");
        }
    }

    @Override
    public Integer call() throws Exception {
        if (text.isBlank()) {
            throw new Main.UsageException("--text: an empty text");
        }
        if (maxTokens < 2 || maxTokens > 8192) {
            throw new Main.UsageException("--max-tokens " + maxTokens + ": 2 to 8192");
        }
        heads.forEach(this::head);
        Path tokFile = tokenizerFile();
        Path model = opts.model;
        try (Outputs outputs = Outputs.in(opts.out, opts.format); Loading.Opened opened = Loading.open(model, opts.loadOptions())) {
            ModelView m = opened.model();
            TextTokenizer tok = null;
            for (TextTokenizer t : Services.load(TextTokenizer.class).services()) {
                if (t.canRead(tokFile)) {
                    tok = t;
                    break;
                }
            }
            if (tok == null) {
                throw new Main.UsageException(tokFile + ": not a tokenizer nnviz can read (a HuggingFace tokenizer.json)");
            }
            TokenizedText enc;
            try {
                enc = tok.encode(tokFile, text, maxTokens);
            } catch (NnvizException e) {
                throw new Main.UsageException(Printable.oneLine(e.getMessage()));
            }
            long t0 = System.nanoTime();
            Attention a;
            try {
                a = AttentionMaps.of(m, inputs(m, enc), enc.tokens());
            } catch (NnvizException e) {
                throw new Main.ModelException(model + ": " + e.getMessage(), e);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            HtmlReport report = HtmlReport.titled("Attention of " + model.getFileName()).model(m);
            try (CliSupport.Progress bar = CliSupport.progress(main, "Attention", a.layers() + 1 + heads.size())) {
                outputs.figure(report, "Model view", "attention-model", AttentionFigures.modelView(a));
                bar.step();
                for (int l = 0; l < a.layers(); l++) {
                    outputs.figure(report, "Head views", "attention-layer-" + l, AttentionFigures.headView(a, l));
                    bar.step();
                }
                for (String spec : heads) {
                    int[] lh = head(spec);
                    try {
                        outputs.figure(report, "Heads", "attention-" + lh[0] + "-" + lh[1], AttentionFigures.head(a, lh[0], lh[1]));
                    } catch (InvalidInputException e) {
                        throw new Main.UsageException("--head " + spec + ": " + e.getMessage());
                    }
                    bar.step();
                }
            }
            main.out.printf(Locale.ROOT, "%s: %d attention layers x %d heads over %d tokens (%.2f s)%n", model.getFileName(), a.layers(),
                    a.heads(), a.length(), seconds);
            main.out.println("Tokens: " + String.join(" ", a.tokens()));
            outputs.report(report);
            List<Path> files = outputs.commit();
            if (!main.quiet) {
                main.err.println("Wrote " + files.size() + " files to " + opts.out.toAbsolutePath());
            }
            return Main.OK;
        }
    }

    /** The model's inputs for the text, by the names BERT-style exports give them (ids, attention mask, token types). */
    private static Map<String, Tensor> inputs(ModelView m, TokenizedText enc) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (LayerInfo l : m.layers()) {
            if (l.kind() != LayerKind.INPUT) {
                continue;
            }
            String n = l.name().toLowerCase(Locale.ROOT);
            long[] v = n.contains("mask") ? enc.attentionMask() : n.contains("type") || n.contains("segment") ? enc.typeIds() : enc.ids();
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = v[i];
            }
            in.put(l.name(), Tensor.of(f, 1, v.length));
        }
        return in;
    }
}
