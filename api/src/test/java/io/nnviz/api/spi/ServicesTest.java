package io.nnviz.api.spi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One discovery policy for every nnviz service interface: both loaders, each class once, broken ones listed, never thrown. */
class ServicesTest {
    @TempDir
    Path dir;

    private ClassLoader loaderListing(String folder, Class<?>... providers) throws IOException {
        Path services = dir.resolve(folder).resolve("META-INF/services");
        Files.createDirectories(services);
        StringBuilder lines = new StringBuilder();
        for (Class<?> p : providers) {
            lines.append(p.getName()).append('\n');
        }
        Files.writeString(services.resolve(BackendProvider.class.getName()), lines);
        return new URLClassLoader(new URL[] {dir.resolve(folder).toUri().toURL()}, getClass().getClassLoader());
    }

    @Test
    void theContextLoaderIsSearchedTooAndAClassSeenTwiceIsTakenOnce() throws IOException {
        ClassLoader context = loaderListing("context", TestProviders.Alpha.class, TestProviders.Exploding.class);
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(context);
        try {
            Services.Found<BackendProvider> found = Services.load(BackendProvider.class);
            assertEquals(List.of("alpha"), found.services().stream().map(BackendProvider::name).toList());
            assertEquals(1, found.problems().size(), found.problems().toString());
            assertTrue(found.problems().get(0).contains("TestProviders$Exploding"), found.problems().get(0));
        } finally {
            t.setContextClassLoader(before);
        }
        ClassLoader other = loaderListing("other", TestProviders.Alpha.class);
        assertEquals(1, Services.load(BackendProvider.class, List.of(context, other)).services().size(), "Alpha once");
    }
}
