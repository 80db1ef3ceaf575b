package io.nnviz.renderers.figures;

import io.nnviz.renderers.Figure;
import io.nnviz.renderers.canvas.RasterImage;

/**
 * A figure made of tiles (filter grids, activation maps), which also gives its tiles alone.
 *
 * <pre>{@code
 * TileFigure f = FilterGrid.of(kernel).build();
 * Figures.writePng(f, Path.of("conv1.png"), 1);       // the whole figure: title, labels, colour bar
 * Files.write(Path.of("conv1-tiles.png"), f.mosaic().toPng()); // the bare tiles, like make_grid
 * }</pre>
 */
public interface TileFigure extends Figure {
    /**
     * The tiles alone at one pixel per value, in the figure's colours, with one white pixel
     * between tiles and no labels or legend: what torchvision's {@code make_grid} gives, and the
     * fastest way to a PNG of many tiles.
     */
    RasterImage mosaic();
}
