package io.nnviz.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The strace check of the mutation campaign: what counts as leaving the model's folder, on lines as strace -f -y writes them. */
class FileAccessTest {
    @TempDir
    Path root;

    @Test
    void readsBesideTheModelAndWritesOutsideTheOutputFolderAreViolations() throws Exception {
        Path work = root.resolve("m-x.onnx-3"), log = root.resolve("trace.log");
        Files.writeString(log, String.join("\n",
                // what every JVM does: its own files, a cache, a temp file, a probe for a file that is not there
                "101 openat(AT_FDCWD</work/main/cli>, \"/usr/lib/jvm/java-17/lib/modules\", O_RDONLY) = 3</usr/lib/jvm/java-17/lib/modules>",
                "101 openat(AT_FDCWD, \"/tmp/hsperfdata_root/101\", O_RDWR|O_CREAT|O_NOFOLLOW, 0600) = 4",
                "102 openat(AT_FDCWD, \"" + root.resolve("seeds/other.onnx") + "\", O_RDONLY) = -1 ENOENT (No such file or directory)",
                // the model and its output folder
                "102 openat(AT_FDCWD, \"" + work.resolve("x.onnx") + "\", O_RDONLY) = 5",
                "102 openat(7<" + work.resolve("out") + ">, \"architecture.svg\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 8",
                // external data named by the model, out of its folder: a read beside it, through a directory fd
                "103 openat(9<" + work + ">, \"../seeds/x.onnx\", O_RDONLY) = 10",
                // a write outside the output folder
                "103 openat(AT_FDCWD, \"/work/main/evil.txt\", O_WRONLY|O_CREAT, 0644) = 11",
                "103 unlink(\"" + root.resolve("other") + "\") = 0"));
        List<String> v = FileAccess.violations(log, work, root, Path.of("/work/main/cli"));
        assertEquals(List.of("openat " + root.resolve("seeds/x.onnx") + " (outside the model's folder)",
                "openat /work/main/evil.txt (a write outside the output folder)",
                "unlink " + root.resolve("other") + " (outside the model's folder)"), v);
    }
}
