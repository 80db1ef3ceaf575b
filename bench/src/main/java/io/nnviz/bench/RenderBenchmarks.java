package io.nnviz.bench;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.spi.ModelBuilder;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.figures.ActivationGrid;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.figures.FilterGrid;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The renderer targets of issue #3, single thread: filter grid 64x3x7x7 to SVG and PNG,
 * activation maps 64x112x112 to SVG, architecture diagram of a chain with a skip every 3 nodes.
 * {@code java -jar bench/target/benchmarks.jar RenderBenchmarks}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xss8m", "-Djava.awt.headless=true"})
@Threads(1)
public class RenderBenchmarks {
    Tensor kernel, activations;
    ModelView chain500, chain5000;

    @Param({"0"})
    int seed;

    @Setup(Level.Trial)
    public void setup() {
        kernel = random(64 * 3 * 7 * 7, 64, 3, 7, 7);
        activations = random(64 * 112 * 112, 64, 112, 112);
        chain500 = chain(500);
        chain5000 = chain(5000);
    }

    Tensor random(int n, int... shape) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Tensor.of(v, shape);
    }

    static ModelView chain(int n) {
        ModelBuilder b = ModelBuilder.of("chain-" + n);
        for (int i = 0; i < n; i++) {
            b.layer(LayerInfo.builder("n" + i, i % 3 == 0 ? LayerKind.MERGE : LayerKind.CONV).outputShape(Shape.of(-1, 64, 56, 56)).build());
            if (i > 0) {
                b.edge("n" + (i - 1), "n" + i);
            }
            if (i >= 3 && i % 3 == 0) {
                b.edge("n" + (i - 3), "n" + i);
            }
        }
        return b.build();
    }

    @Benchmark
    public String filterGridSvg() {
        return Figures.toSvg(FilterGrid.of(kernel).build());
    }

    @Benchmark
    public byte[] filterGridPng() {
        Figure f = FilterGrid.of(kernel).build();
        return Figures.toPng(f, 1);
    }

    /** The bare 8x8 tile mosaic as PNG: the same output as torchvision's make_grid + PIL save. */
    @Benchmark
    public byte[] filterGridMosaicPng() {
        return FilterGrid.of(kernel).build().mosaic().toPng();
    }

    @Benchmark
    public String activationMapsSvg() {
        return Figures.toSvg(ActivationGrid.of(activations).tileSize(112).build());
    }

    @Benchmark
    public String architecture500() {
        return Figures.toSvg(ArchitectureDiagram.of(chain500).build());
    }

    @Benchmark
    public String architecture5000() {
        return Figures.toSvg(ArchitectureDiagram.of(chain5000).build());
    }
}
