package io.nnviz.api.text;

import java.util.List;

/**
 * A text as a language model takes it: its tokens, their vocabulary ids, the attention mask and
 * the token type (segment) ids, all of one length.
 *
 * @param tokens        the tokens as the tokenizer writes them ({@code [CLS]}, {@code ##ing})
 * @param ids           the vocabulary ids
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param typeIds       the segment of each token (0 for a single text)
 */
public record TokenizedText(List<String> tokens, long[] ids, long[] attentionMask, long[] typeIds) {
    /** Validates the lengths; copies. */
    public TokenizedText {
        tokens = List.copyOf(tokens);
        ids = ids.clone();
        attentionMask = attentionMask.clone();
        typeIds = typeIds.clone();
        if (ids.length != tokens.size() || attentionMask.length != ids.length || typeIds.length != ids.length) {
            throw new IllegalArgumentException("tokens, ids, mask and type ids differ in length: " + tokens.size() + ", " + ids.length + ", "
                    + attentionMask.length + ", " + typeIds.length);
        }
    }

    /** The number of tokens. */
    public int length() {
        return ids.length;
    }
}
