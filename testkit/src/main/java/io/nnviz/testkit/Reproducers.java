package io.nnviz.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Keeps the hostile files the tests build: with {@code -Dnnviz.reproducers=DIR} each is copied there.
 * That is how the fuzz tests' regression files ({@code LoaderFuzzTestInputs}) were made.
 */
public final class Reproducers {
    private Reproducers() {
    }

    /** Copies {@code file} into the folder {@code nnviz.reproducers} names, if it is set. */
    public static void keep(Path file) {
        String to = System.getProperty("nnviz.reproducers");
        if (to != null) {
            try {
                Files.createDirectories(Path.of(to));
                Files.copy(file, Path.of(to, file.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
