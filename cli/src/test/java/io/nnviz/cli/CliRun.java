package io.nnviz.cli;

import org.w3c.dom.Document;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the CLI in-process and checks what it wrote. */
final class CliRun {
    final int code;
    final String out, err;

    private CliRun(int code, String out, String err) {
        this.code = code;
        this.out = out;
        this.err = err;
    }

    static CliRun of(Object... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        String[] a = Stream.of(args).map(String::valueOf).toArray(String[]::new);
        int code = Main.execute(a, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new CliRun(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    CliRun expect(int want) {
        assertEquals(want, code, "exit code; stdout:\n" + out + "\nstderr:\n" + err);
        return this;
    }

    /** A refusal: the exit code, one line on stderr naming {@code file}, no stack trace. */
    CliRun refused(int want, String file) {
        expect(want);
        List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line on stderr: " + err);
        assertTrue(lines.get(0).startsWith("nnviz: ") && lines.get(0).contains(file), lines.get(0));
        assertTrue(!err.contains("\tat ") && !err.contains("Exception in"), "no stack trace: " + err);
        return this;
    }

    /** The SVGs in {@code dir}, parsed; each must be an svg document. */
    static List<Document> svgs(Path dir) throws Exception {
        return new ArrayList<>(io.nnviz.testkit.SvgFiles.parseAll(dir).values());
    }

    /** The names of the files in {@code dir}, sorted ({@code []} if it does not exist). */
    static List<String> files(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A real Fashion-MNIST test image (an ankle boot or whatever comes first) as a PNG. */
    static Path fashionPng(Path dir) throws IOException {
        io.nnviz.testkit.FashionMnist data = io.nnviz.testkit.FashionMnist.trainCached(8);
        float[] px = data.image(0);
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 784; i++) {
            int v = Math.round(px[i] * 255);
            img.getRaster().setSample(i % 28, i / 28, 0, v);
        }
        Path p = dir.resolve("sample.png");
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    /** A copy of a file from another module's test resources (the backends' own fixtures). */
    static Path fixture(String relative, Path dir) throws IOException {
        Path src = Path.of("..").resolve(relative);
        Path p = dir.resolve(src.getFileName().toString());
        Files.copy(src, p);
        return p;
    }

    /** A resource of the test class path copied to a file. */
    static Path resource(String name, Path dir) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = CliRun.class.getResourceAsStream("/" + name)) {
            Files.copy(in, p);
        }
        return p;
    }

    private static boolean fits(Class<?>[] types, Object[] args) {
        for (int i = 0; i < types.length; i++) {
            if (!types[i].isInstance(args[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Calls {@code cls.method(args)} inside a backend world (its framework on a class loader of its
     * own, plus the test jar holding {@code cls}), to make real model files with the framework itself.
     */
    static Object inWorld(String world, String cls, String method, Object... args) throws Exception {
        List<URL> urls = new ArrayList<>(Worlds.urls(world));
        // the fixture's own jar, and the pure-Java framework jars fixtures use that the world does not carry
        for (String r : List.of(cls.replace('.', '/') + ".class", "org/tensorflow/framework/optimizers/Adam.class")) {
            URL self = CliRun.class.getClassLoader().getResource(r);
            if (self != null && self.getProtocol().equals("jar")) {
                urls.add(new URL(self.getPath().substring(0, self.getPath().indexOf("!/"))));
            }
        }
        ClassLoader loader = new Worlds.WorldLoader(world + "-fixtures", urls.toArray(URL[]::new), CliRun.class.getClassLoader());
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(loader);
        try {
            Class<?> c = Class.forName(cls, true, loader);
            for (Method m : c.getMethods()) {
                if (m.getName().equals(method) && m.getParameterCount() == args.length && fits(m.getParameterTypes(), args)) {
                    return m.invoke(null, args);
                }
            }
            throw new NoSuchMethodException(cls + "." + method);
        } finally {
            t.setContextClassLoader(before);
        }
    }
}
