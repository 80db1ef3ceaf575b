package io.nnviz.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a process tree did to files, from an {@code strace -f -y} log: the check that a mutant
 * makes nnviz read or write nothing outside the model and the output folder. The JVM itself reads
 * its own files everywhere (the JDK, the jars, /proc, /sys); what is checked is what a model could
 * point at: anything in the test's folder other than the mutant's own folder, any write outside the
 * output folder and the places the runtimes keep their caches and temporary files. (Reads of
 * system files cannot be told from the JVM's own: it reads {@code /etc/passwd} for the user's name.)
 */
final class FileAccess {
    private static final Pattern CALL = Pattern.compile(
            "\\b(open|openat|creat|mkdir|mkdirat|rename|renameat|renameat2|unlink|unlinkat|link|symlink)\\((?:AT_FDCWD(?:<([^>]*)>)?|\\d+<([^>]*)>)?,? ?\"([^\"]*)\"(.*)");

    private FileAccess() {
    }

    /** The strace command that logs a process tree's file calls to {@code log}, to put in front of a command. */
    static List<String> strace(Path log) {
        return List.of("strace", "-f", "-qq", "-y", "-e", "trace=open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,link,symlink",
                "-o", log.toString());
    }

    /**
     * The file calls in {@code log} that break the contract for a mutant in {@code work} (its
     * folder: the model and the output folder), run from {@code cwd}, inside the test's {@code root}.
     */
    static List<String> violations(Path log, Path work, Path root, Path cwd) throws IOException {
        Set<String> out = new LinkedHashSet<>();
        String home = System.getProperty("user.home"), tmp = System.getProperty("java.io.tmpdir");
        List<String> writable = List.of(tmp, "/tmp", "/dev/", "/proc/", home + "/.javacpp", home + "/.djl.ai", home + "/.cache", home + "/.pytorch");
        for (String line : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
            Matcher m = CALL.matcher(line);
            if (!m.find() || line.contains("= -1 ENOENT") && !line.contains("O_CREAT")) {
                continue; // a probe for a file that is not there reads nothing (the JVM and the loaders probe many)
            }
            String call = m.group(1), base = m.group(2) != null ? m.group(2) : m.group(3) != null ? m.group(3) : cwd.toString();
            Path p = Path.of(base).resolve(m.group(4)).normalize();
            String rest = m.group(5);
            boolean write = !call.startsWith("open") || rest.contains("O_WRONLY") || rest.contains("O_RDWR") || rest.contains("O_CREAT");
            if (p.startsWith(root) && !p.startsWith(work)) {
                out.add(call + " " + p + " (outside the model's folder)");
            } else if (write && !p.startsWith(work) && writable.stream().noneMatch(w -> p.toString().startsWith(w))) {
                out.add(call + " " + p + " (a write outside the output folder)");
            }
        }
        return new ArrayList<>(out);
    }
}
