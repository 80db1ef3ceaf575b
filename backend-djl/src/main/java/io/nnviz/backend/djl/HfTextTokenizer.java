package io.nnviz.backend.djl;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.spi.SafeFiles;
import io.nnviz.api.text.TextTokenizer;
import io.nnviz.api.text.TokenizedText;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** HuggingFace {@code tokenizer.json} files, through DJL's binding of the Rust tokenizers. */
public final class HfTextTokenizer implements TextTokenizer {
    /** A tokenizer.json larger than this is not a tokenizer (BERT's is 700 KB, large multilingual ones 20 MB). */
    private static final long MAX_BYTES = 64L << 20;

    @Override
    public boolean canRead(Path file) {
        String n = file.getFileName().toString();
        if (!n.endsWith(".json") || !Files.isRegularFile(file)) {
            return false;
        }
        try (var in = Files.newInputStream(file)) {
            String head = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
            return head.contains("\"model\"") || head.contains("\"added_tokens\"") || head.contains("\"truncation\"");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public TokenizedText encode(Path file, String text, int maxLength) {
        long size = SafeFiles.requireRegularFile(file);
        if (size > MAX_BYTES) {
            throw new ModelLoadException(file, "a tokenizer of " + size + " bytes; at most " + MAX_BYTES);
        }
        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(file, Map.of("truncation", "true", "maxLength",
                String.valueOf(maxLength), "padding", "false"))) {
            Encoding e = tok.encode(text);
            return new TokenizedText(Arrays.asList(e.getTokens()), e.getIds(), e.getAttentionMask(), e.getTypeIds());
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException(file, "not a tokenizer HuggingFace's tokenizers can read (" + e.getMessage() + ")", e);
        }
    }
}
