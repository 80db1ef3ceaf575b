package io.nnviz.cli;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.ModelView;
import io.nnviz.renderers.LayerNames;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Small pieces the commands share. */
final class CliSupport {
    private CliSupport() {
    }

    static Pattern pattern(String regex) {
        if (regex == null) {
            return null;
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new Main.UsageException("--layers: not a regular expression: " + e.getDescription() + " in '" + regex + "'");
        }
    }

    /** Whether {@code --layers} picks {@code l}: the pattern matches its id, its name, or its name as the table shows it. */
    static boolean selected(Pattern p, LayerInfo l, LayerNames names) {
        return p == null || p.matcher(l.id()).matches() || p.matcher(l.name()).matches() || p.matcher(names.display(l)).matches();
    }

    /** A file-name-safe form of a layer id. */
    static String slug(String id) {
        String s = id.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        if (s.isEmpty()) {
            s = "layer";
        }
        return s.length() > 60 ? s.substring(0, 60) + "-" + Integer.toHexString(id.hashCode()) : s;
    }

    /** File-name slugs of a model's layers: from their display names (the shared prefix left out), unique. */
    static Function<String, String> slugs(ModelView m) {
        LayerNames names = LayerNames.of(m);
        Map<String, String> byId = new HashMap<>();
        Set<String> used = new HashSet<>();
        for (LayerInfo l : m.layers()) {
            String base = slug(names.display(l)), s = base;
            for (int i = 2; !used.add(s); i++) {
                s = base + "-" + i;
            }
            byId.put(l.id(), s);
        }
        return id -> byId.getOrDefault(id, slug(id));
    }

    /**
     * Set in a child JVM's environment to "1" when the command runs at a terminal: the child's own
     * streams are pipes to the parent, so it cannot tell.
     */
    static final String INTERACTIVE = "NNVIZ_INTERACTIVE";

    /** Whether the command runs at a terminal (a progress bar is for a person watching, not for a log file). */
    static boolean interactive() {
        return ChildJvm.isChild() ? "1".equals(System.getenv(INTERACTIVE)) : System.console() != null;
    }

    /** A progress bar on stderr at a terminal; nothing with {@code --quiet} or with the output going to a file or a pipe. */
    interface Progress extends AutoCloseable {
        void step();

        @Override
        void close();
    }

    static Progress progress(Main main, String task, long max) {
        if (main.quiet || !interactive()) {
            return new Progress() {
                @Override
                public void step() {
                }

                @Override
                public void close() {
                }
            };
        }
        ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(main.err, 160)).build(); // long model names: the whole line
        return new Progress() {
            @Override
            public void step() {
                bar.step();
            }

            @Override
            public void close() {
                bar.close();
            }
        };
    }

    /** The CLI's cache folder ({@code nnviz.cache}, else {@code ~/.cache/nnviz}): class-data archives, backend worlds, layouts. */
    static Path cacheRoot() {
        return Path.of(System.getProperty("nnviz.cache", System.getProperty("user.home") + "/.cache/nnviz"));
    }
}
