package io.nnviz.api.text;

import java.nio.file.Path;

/**
 * A tokenizer read from a file, found through {@link io.nnviz.api.spi.Services}: the DJL backend gives
 * one for HuggingFace {@code tokenizer.json} files, so a model's own tokenizer turns text into the
 * ids it was trained on (the neutral API has no tokenizer of its own).
 */
public interface TextTokenizer {
    /** True if this implementation reads {@code file} (by its name and content). */
    boolean canRead(Path file);

    /**
     * Tokenizes {@code text} with the tokenizer in {@code file}, truncated to {@code maxLength}
     * tokens (special tokens included).
     *
     * @throws io.nnviz.api.ModelLoadException if the file cannot be read as a tokenizer
     */
    TokenizedText encode(Path file, String text, int maxLength);
}
