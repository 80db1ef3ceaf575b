package io.nnviz.api.spi;

import io.nnviz.NNViz;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelView;
import io.nnviz.api.NoBackendException;
import org.deeplearning4j.fake.FakeNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Discovery on hand-built class paths: a folder holding only a services file, on a class loader
 * whose parent has the provider classes.
 */
class BackendsTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearProperty() {
        System.clearProperty(Backends.BACKEND_PROPERTY);
    }

    private Backends discover(Class<?>... providers) throws IOException {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        String lines = Arrays.stream(providers).map(Class::getName).collect(Collectors.joining("\n"));
        Files.writeString(services.resolve(BackendProvider.class.getName()), lines + "\n");
        ClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
        return Backends.discover(loader);
    }

    @Test
    void zeroProvidersNameTheClassAndTheArtifactToAdd() throws IOException {
        Backends none = discover();
        NoBackendException e = assertThrows(NoBackendException.class, () -> none.inspect(new FakeNetwork()));
        assertEquals("no nnviz backend can open an object of class org.deeplearning4j.fake.FakeNetwork. "
                + "Add the dependency io.nnviz:nnviz-backend-dl4j to your build; installed backends: none.", e.getMessage());
        NoBackendException other = assertThrows(NoBackendException.class, () -> none.inspect(new StringBuilder()));
        assertEquals("no nnviz backend can open an object of class java.lang.StringBuilder. Add the nnviz backend "
                + "for its framework (io.nnviz:nnviz-backend-dl4j, -tensorflow or -djl) to your build; installed "
                + "backends: none.", other.getMessage());
    }

    @Test
    void theApiAloneHasNoProvidersAndTheFacadeSaysSo() {
        assertTrue(Backends.defaults().providers().isEmpty());
        NoBackendException e = assertThrows(NoBackendException.class, () -> NNViz.inspect(new FakeNetwork()));
        assertTrue(e.getMessage().contains("io.nnviz:nnviz-backend-dl4j"), e.getMessage());
    }

    @Test
    void oneProviderIsUsed() throws IOException {
        Backends b = discover(TestProviders.Alpha.class);
        try (ModelView m = b.inspect("model:x")) {
            assertEquals("alpha", m.framework());
        }
    }

    @Test
    void twoProvidersChooseByPriorityThenName() throws IOException {
        Backends b = discover(TestProviders.Zeta.class, TestProviders.Alpha.class, TestProviders.Beta.class);
        assertEquals(List.of("beta", "alpha", "zeta"), b.providers().stream().map(BackendProvider::name).toList());
        assertEquals("beta", b.forObject("model:x").name());
        Backends tie = discover(TestProviders.Zeta.class, TestProviders.Alpha.class);
        assertEquals("alpha", tie.forObject("model:x").name());
    }

    @Test
    void thePropertyOverridesPriority() throws IOException {
        Backends b = discover(TestProviders.Alpha.class, TestProviders.Beta.class);
        System.setProperty(Backends.BACKEND_PROPERTY, "alpha");
        assertEquals("alpha", b.forObject("model:x").name());
        System.setProperty(Backends.BACKEND_PROPERTY, "gamma");
        NoBackendException e = assertThrows(NoBackendException.class, () -> b.forObject("model:x"));
        assertEquals("-Dnnviz.backend=gamma names no installed backend; installed: beta, alpha", e.getMessage());
        System.setProperty(Backends.BACKEND_PROPERTY, "alpha");
        NoBackendException unfit = assertThrows(NoBackendException.class, () -> b.forObject(42));
        assertEquals("-Dnnviz.backend=alpha chose backend 'alpha', which cannot open an object of class "
                + "java.lang.Integer", unfit.getMessage());
    }

    @Test
    void aProviderWhoseConstructorThrowsIsSkippedAndReported() throws IOException {
        Backends b = discover(TestProviders.Exploding.class, TestProviders.Alpha.class);
        assertEquals(List.of("alpha"), b.providers().stream().map(BackendProvider::name).toList());
        assertEquals(1, b.problems().size());
        String problem = b.problems().get(0);
        assertTrue(problem.startsWith("nnviz skipped a BackendProvider that failed to load"), problem);
        assertTrue(problem.contains("TestProviders$Exploding") && problem.contains("framework classes missing"), problem);
        NoBackendException e = assertThrows(NoBackendException.class, () -> b.inspect(3.0));
        assertTrue(e.getMessage().contains("Skipped at discovery: nnviz skipped a BackendProvider"), e.getMessage());
    }

    @Test
    void aProviderThatThrowsFromSupportsIsTreatedAsNo() throws IOException {
        Backends b = discover(TestProviders.Rude.class, TestProviders.Alpha.class);
        assertEquals("alpha", b.forObject("model:x").name());
    }

    @Test
    void providersCanBeRegisteredByHand() {
        Backends b = Backends.of().register(new TestProviders.Alpha());
        assertEquals("alpha", b.forObject("model:y").name());
        b.register(new TestProviders.Alpha());
        assertEquals(1, b.providers().size(), "same name replaces");
    }

    @Test
    void loadChecksTheFileAndNamesTheArtifact() throws IOException {
        Backends b = discover(TestProviders.Alpha.class);
        Path missing = dir.resolve("missing.onnx");
        ModelLoadException gone = assertThrows(ModelLoadException.class, () -> b.load(missing));
        assertEquals("cannot open model " + missing + ": no such file or directory", gone.getMessage());
        Path onnx = Files.write(dir.resolve("bert.onnx"), new byte[] {8, 7});
        NoBackendException e = assertThrows(NoBackendException.class, () -> b.load(onnx));
        assertEquals("no nnviz backend can read the model file " + onnx + ". Add the dependency "
                + "io.nnviz:nnviz-backend-djl to your build; installed backends: alpha.", e.getMessage());
        Path ok = Files.write(dir.resolve("m.test"), new byte[] {1});
        try (ModelView m = b.load(ok)) {
            assertEquals("alpha:model:m.test", m.name());
        }
    }
}
