package io.nnviz.docs;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The code's shape, as issue 28 set it and docs/backends.md describes it, checked on the compiled
 * main code of every published module: no package depends on itself through others, every backend
 * package has the same classes by role, and no main class outgrows one job.
 */
class CodeShapeTest {
    /** More lines than this and a class is doing more than one job (the design says ~400). */
    static final int MAX_LINES = 450;

    static JavaClasses main;

    @BeforeAll
    static void importMainCode() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.nnviz");
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.nnviz.(**)").should().beFreeOfCycles().check(main);
    }

    /**
     * Each backend package and its prefix, with the roles it has beyond the ones all have (model,
     * describer, tensors): files for those that read files, gradients for those that compute them,
     * training for those that hook training.
     */
    static final Map<String, String> BACKENDS = Map.of(
            "io.nnviz.backend.dl4j", "Dl4j",
            "io.nnviz.backend.dl4j.keras", "Keras",
            "io.nnviz.backend.tensorflow", "Tf",
            "io.nnviz.backend.djl", "Djl",
            "io.nnviz.backend.djl.onnx", "Onnx",
            "io.nnviz.backend.djl.torchscript", "TorchScript",
            "io.nnviz.backend.djl.checkpoint", "Checkpoint",
            "io.nnviz.backend.djl.safetensors", "Safetensors",
            "io.nnviz.backend.djl.gguf", "Gguf",
            "io.nnviz.backend.tensorflow.tflite", "Tflite");

    @Test
    void everyBackendHasTheSameClassesByRole() {
        List<String> missing = new ArrayList<>();
        BACKENDS.forEach((pkg, prefix) -> {
            Set<String> names = main.stream().filter(c -> c.getPackageName().equals(pkg)).map(JavaClass::getSimpleName)
                    .collect(Collectors.toCollection(TreeSet::new));
            for (String role : List.of("Model", "Describer", "Tensors")) {
                if (!names.contains(prefix + role)) {
                    missing.add(pkg + " has no " + prefix + role);
                }
            }
            if (names.stream().noneMatch(n -> n.equals(prefix + "BackendProvider") || n.equals(prefix + "Files"))) {
                missing.add(pkg + " has neither " + prefix + "BackendProvider nor " + prefix + "Files");
            }
        });
        assertEquals(List.of(), missing);
    }

    @Test
    void noMainClassOutgrowsOneJob() throws IOException {
        Path root = QuickStartsTest.ROOT;
        List<String> large = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String n = dir.getFileName() == null ? "" : dir.getFileName().toString();
                return n.equals("target") || n.startsWith(".") && !dir.equals(root) || n.equals("node_modules")
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                if (f.toString().endsWith(".java") && f.toString().contains("/src/main/java/")) {
                    long lines;
                    try (Stream<String> l = Files.lines(f)) {
                        lines = l.count();
                    }
                    if (lines > MAX_LINES) {
                        large.add(root.relativize(f) + ": " + lines);
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        assertEquals(List.of(), large, "main classes over " + MAX_LINES + " lines");
    }
}
