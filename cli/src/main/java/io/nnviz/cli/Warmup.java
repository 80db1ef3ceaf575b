package io.nnviz.cli;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.Shape;
import io.nnviz.api.Tensor;
import io.nnviz.api.WeightRole;
import io.nnviz.api.WeightSpec;
import io.nnviz.api.WeightTensor;
import io.nnviz.api.spi.ModelBuilder;
import io.nnviz.renderers.Figures;
import io.nnviz.renderers.figures.ArchitectureDiagram;
import io.nnviz.renderers.figures.FilterGrid;

import java.awt.color.ColorSpace;
import javax.imageio.ImageIO;

/**
 * Draws a tiny model's figures on a background thread while the real model loads: a fresh JVM
 * spends a few hundred milliseconds loading and initialising the layout engine, Java2D and the
 * encoders the first time they are used, and loading a model (natives, files) leaves the other
 * core idle meanwhile. Nothing it draws is kept; a failure here changes nothing.
 */
final class Warmup {
    private Warmup() {
    }

    /**
     * Starts the warm-up; the returned thread is a daemon and needs no joining. The JDK's colour
     * spaces and ImageIO's registry are initialised here first, on the caller's thread: the classes
     * behind them (ColorSpace, ICC_Profile, IIORegistry) can deadlock when two threads initialise
     * them at once, as the warm-up's drawing and the command's image decoding would.
     */
    static Thread start() {
        ColorSpace.getInstance(ColorSpace.CS_sRGB);
        ColorSpace.getInstance(ColorSpace.CS_GRAY);
        ColorSpace.getInstance(ColorSpace.CS_LINEAR_RGB);
        ImageIO.getReaderFormatNames();
        Thread t = new Thread(Warmup::run, "nnviz-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    private static void run() {
        try {
            float[] k = new float[4 * 3 * 3 * 3];
            for (int i = 0; i < k.length; i++) {
                k[i] = (float) Math.sin(i);
            }
            Tensor kernel = Tensor.of(k, 4, 3, 3, 3);
            ModelView m = ModelBuilder.of("warm-up").layer(LayerInfo.builder("in", LayerKind.INPUT).outputShape(Shape.of(-1, 3, 8, 8)).build())
                    .layer(LayerInfo.builder("conv", LayerKind.CONV).weight(new WeightSpec("W", WeightRole.KERNEL, kernel.shape())).build())
                    .layer(LayerInfo.builder("fc", LayerKind.DENSE).build()).chain("in", "conv", "fc")
                    .weights("conv", WeightTensor.of("conv", "W", WeightRole.KERNEL, kernel)).build();
            var arch = ArchitectureDiagram.of(m).build();
            Figures.toSvg(arch);
            Figures.toPng(arch, 1);
            var grid = FilterGrid.of(m.weights("conv").get(0)).build();
            Figures.toSvg(grid);
            Figures.toPng(grid, 1);
        } catch (RuntimeException | LinkageError e) {
            // a warm-up only: the command itself will meet and report any real problem
        }
    }
}
