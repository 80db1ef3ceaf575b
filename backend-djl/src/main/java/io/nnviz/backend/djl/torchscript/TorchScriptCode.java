package io.nnviz.backend.djl.torchscript;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How deep libtorch recurses to compile the Python source of a TorchScript archive, estimated from
 * its tokens. libtorch's parser and IR emitter recurse once per level of each of these, and a few
 * hundred levels overflow a 1 MiB thread stack (measured with libtorch 2.7.1 through DJL: 500 nested
 * parentheses, {@code a if b else} chains, nested {@code if} blocks or {@code elif}s, 700
 * unary minuses, {@code **} or {@code +} terms, 1,000 comparisons or {@code and}s, 1,000 statements
 * {@code if c: return x} in a row, and 50,000 calls, subscripts or attributes each crashed it):
 * <ul>
 * <li>in a logical line, each operator (binary, unary, comparison, {@code not and or if else is in},
 * the {@code .} of an attribute, a call's or subscript's bracket) nests one level over what it
 * applies to, and a bracket's content one level under the bracket: per bracket level the operators of
 * a comma-separated item are summed (a chain {@code a+a+a} is as deep as it is long) and the deepest
 * bracket within it added;</li>
 * <li>each indented block nests in the statement that opens it, each {@code elif} in the branch
 * before it, and the statements after a compound statement that holds a {@code return},
 * {@code break}, {@code continue} or {@code raise} nest in it (libtorch's exit transform moves
 * them into its other branch).</li>
 * </ul>
 * A line's estimate is its block nesting plus its expression nesting. It counts at least what
 * libtorch recurses on (never less for any of the shapes above); what it over-counts (a grouping
 * bracket over a chain) stays far under {@link TorchScriptArchive#MAX_CODE_NESTING} in real code.
 */
final class TorchScriptCode {
    /** The deepest estimate and the (1-based) line it starts on. */
    record Nesting(int depth, int line) {
    }

    private final byte[] b;
    private final int limit;
    private int i, line = 1;
    // per bracket level of the current logical line (0: outside brackets)
    private final int[] segOps, segChild, levelMax;
    private int level;
    // per indented block: its width, nesting added by earlier siblings, and the open statement's state
    private int[] widths = new int[16], exits = new int[16], elifs = new int[16];
    private boolean[] hasExit = new boolean[16], opensFunction = new boolean[16];
    private int blocks; // entries in use; entry 0 is the file's top level
    private int max, maxLine, lineStart = 1;
    /** The last token was a value (a call or subscript may follow); a physical line is starting. */
    private boolean prevValue, atLineStart = true;
    /** A statement started and its first word is not read yet; the last header opened a function or class. */
    private boolean pendingStatement, lastHeaderOpensFunction;
    private String firstWord;

    private TorchScriptCode(byte[] code, int limit) {
        this.b = code;
        this.limit = limit;
        segOps = new int[limit + 2];
        segChild = new int[limit + 2];
        levelMax = new int[limit + 2];
        blocks = 1;
    }

    /** The deepest nesting of {@code code}; measuring stops once it passes {@code limit}. */
    static Nesting measure(byte[] code, int limit) {
        TorchScriptCode c = new TorchScriptCode(code, limit);
        c.run();
        return new Nesting(c.max, c.maxLine);
    }

    private void run() {
        while (i < b.length && max <= limit) {
            if (atLineStart) {
                startLine();
                continue;
            }
            int c = b[i] & 0xFF;
            if (c == '\n') {
                i++;
                line++;
                if (level == 0) {
                    endLine();
                }
            } else if (c == '\\' && i + 1 < b.length && (b[i + 1] == '\n' || b[i + 1] == '\r')) {
                i += b[i + 1] == '\r' && i + 2 < b.length && b[i + 2] == '\n' ? 3 : 2; // a continued line
                line++;
            } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
                i++;
            } else if (c == '#') {
                while (i < b.length && b[i] != '\n') {
                    i++;
                }
            } else if (c == '"' || c == '\'') {
                string(c);
                value();
            } else if (isDigit(c) || c == '.' && i + 1 < b.length && isDigit(b[i + 1] & 0xFF)) {
                number();
                value();
            } else if (isIdentStart(c)) {
                word();
            } else if (c == '(' || c == '[' || c == '{') {
                i++;
                open();
            } else if (c == ')' || c == ']' || c == '}') {
                i++;
                close();
                value();
            } else {
                operator(c);
            }
        }
        if (max <= limit && !atLineStart) { // the last line, unterminated
            while (level > 0) {
                close();
            }
            endLine();
        }
    }

    // ---- logical lines and blocks -------------------------------------------------------------------

    /** At the start of a physical line outside brackets: its indentation, unless it is blank or a comment. */
    private void startLine() {
        int width = 0, j = i;
        while (j < b.length && (b[j] == ' ' || b[j] == '\t' || b[j] == '\f' || b[j] == '\r')) {
            width += b[j] == '\t' ? 8 - width % 8 : 1;
            j++;
        }
        if (j < b.length && b[j] == '#') {
            while (j < b.length && b[j] != '\n') {
                j++;
            }
        }
        i = j;
        if (j >= b.length || b[j] == '\n') { // a blank or comment line: no statement
            if (j < b.length) {
                i++;
                line++;
            }
            return;
        }
        atLineStart = false;
        lineStart = line;
        firstWord = null;
        while (blocks > 1 && width < widths[blocks - 1]) {
            blocks--; // the block ends
        }
        if (width > widths[blocks - 1]) {
            openBlock(width);
        }
        pendingStatement = true; // what earlier siblings add is settled by its first word
    }

    /** A line indented deeper than its block: a block of the statement before it. */
    private void openBlock(int width) {
        if (blocks == widths.length) {
            int n = blocks * 2;
            widths = Arrays.copyOf(widths, n);
            exits = Arrays.copyOf(exits, n);
            elifs = Arrays.copyOf(elifs, n);
            hasExit = Arrays.copyOf(hasExit, n);
            opensFunction = Arrays.copyOf(opensFunction, n);
        }
        widths[blocks] = width;
        exits[blocks] = 0;
        elifs[blocks] = 0;
        hasExit[blocks] = false;
        opensFunction[blocks] = lastHeaderOpensFunction;
        blocks++;
    }

    /** The first word of a statement is known (or it has none): siblings' exits and elif chains. */
    private void firstWord(String w) {
        pendingStatement = false;
        firstWord = w;
        int top = blocks - 1;
        boolean continues = "elif".equals(w) || "else".equals(w) || "except".equals(w) || "finally".equals(w);
        if ("elif".equals(w)) {
            elifs[top]++;
        } else if (!continues) {
            elifs[top] = 0;
            if (hasExit[top]) {
                exits[top]++;
                hasExit[top] = false;
            }
        }
        if ("return".equals(w) || "raise".equals(w) || "break".equals(w) || "continue".equals(w)) {
            // every statement enclosing this one, up to its function, holds an exit
            for (int k = top; k > 0 && !opensFunction[k]; k--) {
                hasExit[k - 1] = true;
            }
        }
    }

    private int blockNesting() {
        int n = 0;
        for (int k = 1; k < blocks; k++) {
            n += 1 + exits[k] + elifs[k];
        }
        return n + exits[0] + elifs[0];
    }

    private void endLine() {
        if (pendingStatement) {
            firstWord(null);
        }
        separator();
        int depth = blockNesting() + levelMax[0];
        if (depth > max) {
            max = depth;
            maxLine = lineStart;
        }
        lastHeaderOpensFunction = "def".equals(firstWord) || "class".equals(firstWord);
        levelMax[0] = 0;
        prevValue = false;
        atLineStart = true;
    }

    // ---- expressions --------------------------------------------------------------------------------

    private void op() {
        segOps[level]++;
        prevValue = false;
    }

    private void value() {
        if (pendingStatement) {
            firstWord(null);
        }
        prevValue = true;
    }

    /** An item ends (a comma, colon, assignment or semicolon): the next one starts from this level's base. */
    private void separator() {
        levelMax[level] = Math.max(levelMax[level], segOps[level] + segChild[level]);
        segOps[level] = 0;
        segChild[level] = 0;
        prevValue = false;
    }

    private void open() {
        if (pendingStatement) {
            firstWord(null);
        }
        if (prevValue) {
            segOps[level]++; // a call or subscript applies to what precedes it
        }
        if (level + 1 >= segOps.length - 1) {
            max = Math.max(max, limit + 1); // brackets alone are too deep
            maxLine = lineStart;
            return;
        }
        level++;
        segOps[level] = 0;
        segChild[level] = 0;
        levelMax[level] = 0;
        prevValue = false;
    }

    private void close() {
        if (level == 0) {
            return; // unbalanced: libtorch's parser refuses it
        }
        separator();
        int child = levelMax[level] + 1;
        level--;
        segChild[level] = Math.max(segChild[level], child);
    }

    private void word() {
        int s = i;
        while (i < b.length && (isIdentStart(b[i] & 0xFF) || isDigit(b[i] & 0xFF))) {
            i++;
        }
        String w = i - s <= 8 ? new String(b, s, i - s, StandardCharsets.ISO_8859_1) : "";
        if (pendingStatement) {
            firstWord(w);
        }
        switch (w) {
            case "not", "and", "or", "if", "else", "elif", "is", "in", "for", "lambda" -> op();
            default -> prevValue = true;
        }
    }

    private void operator(int c) {
        if (pendingStatement) {
            firstWord(null);
        }
        int n = i + 1 < b.length ? b[i + 1] & 0xFF : 0, n2 = i + 2 < b.length ? b[i + 2] & 0xFF : 0;
        switch (c) {
            case ',', ';', ':' -> {
                i++;
                separator();
            }
            case '=' -> {
                if (n == '=') {
                    i += 2;
                    op();
                } else {
                    i++;
                    separator();
                }
            }
            case '<', '>', '*', '/' -> {
                if (n == c) { // << >> ** //, or their assignments
                    i += 2;
                    assignOr(n2);
                } else if (c == '<' || c == '>') {
                    i += n == '=' ? 2 : 1;
                    op();
                } else {
                    i++;
                    assignOr(n);
                }
            }
            case '-' -> {
                if (n == '>') {
                    i += 2;
                    separator(); // a return annotation
                } else {
                    i++;
                    assignOr(n);
                }
            }
            case '+', '%', '@', '&', '|', '^' -> {
                i++;
                assignOr(n);
            }
            case '!', '~', '.' -> {
                i += c == '!' && n == '=' ? 2 : 1;
                op();
            }
            default -> i++; // not Python: libtorch's lexer refuses it
        }
    }

    /** An operator, or with '=' after it an augmented assignment. */
    private void assignOr(int next) {
        if (next == '=') {
            i++;
            separator();
        } else {
            op();
        }
    }

    private void string(int quote) {
        boolean triple = i + 2 < b.length && b[i + 1] == quote && b[i + 2] == quote;
        i += triple ? 3 : 1;
        while (i < b.length) {
            int c = b[i] & 0xFF;
            if (c == '\\') {
                if (i + 1 < b.length && b[i + 1] == '\n') {
                    line++;
                }
                i += 2;
            } else if (c == quote && (!triple || i + 2 < b.length && b[i + 1] == quote && b[i + 2] == quote)) {
                i += triple ? 3 : 1;
                return;
            } else if (c == '\n') {
                if (!triple) {
                    return; // unterminated: the line ends it
                }
                line++;
                i++;
            } else {
                i++;
            }
        }
    }

    private void number() {
        boolean hex = b[i] == '0' && i + 1 < b.length && (b[i + 1] == 'x' || b[i + 1] == 'X');
        i++;
        while (i < b.length) {
            int c = b[i] & 0xFF;
            if (isDigit(c) || isIdentStart(c) || c == '.') {
                i++;
            } else if ((c == '+' || c == '-') && !hex && (b[i - 1] == 'e' || b[i - 1] == 'E')) {
                i++;
            } else {
                break;
            }
        }
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isIdentStart(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80;
    }
}
