/**
 * The figures: each takes neutral data ({@code Tensor}, {@code ModelView}, {@code Histogram}s, a
 * {@code ModelDiff}) and draws on any {@link io.nnviz.renderers.canvas.Canvas}; none knows a framework.
 *
 * <h2>One idiom</h2>
 * A figure class {@code X} is its own builder: {@code X.of(data)} (or {@code X.titled(title)} for
 * charts whose series are added one by one: {@link io.nnviz.renderers.figures.LineChart},
 * {@link io.nnviz.renderers.figures.HistogramRidge}, {@link io.nnviz.renderers.figures.Scatter})
 * returns it, its setters return it, and {@code build()} returns an immutable
 * {@link io.nnviz.renderers.Figure}, written with {@link io.nnviz.renderers.Figures}. A builder is
 * not thread-safe; a built figure is. {@link io.nnviz.renderers.figures.AttentionFigures} and
 * {@link io.nnviz.renderers.figures.Overlays} are families of one kind of data, made by named
 * static methods. Text from a model reaches SVG only through the canvas, which escapes it.
 *
 * <h2>Figures</h2>
 * {@code ArchitectureDiagram} (a layered graph: {@code ArchitectureUnits} decides its boxes,
 * {@code NameGroups} reads groups from names, {@code StructureGroups} completes them from the graph,
 * {@code StructureBlocks} finds blocks in a graph whose names give none, {@code ElkLayout} lays it
 * out with ELK, {@code LayoutQuality} measures the result, {@code Overlays} colours the boxes),
 * {@code DiffDiagram}, {@code FilterGrid}, {@code ActivationGrid} (both on {@code TileGrid},
 * {@code Tile}, {@code TileFigure}), {@code SaliencyOverlay}, {@code AttributionFigure},
 * {@code Heatmap}, {@code SequenceProbes}, {@code LineChart}, {@code HistogramRidge},
 * {@code Scatter}, {@code ParallelCoordinates}, {@code AttentionFigures}, {@code Notice} (stands
 * where a figure could not be drawn). Shared parts: {@code Axis}, {@code PlotFrame},
 * {@code ColorBar}, {@code Caption} (wrapped text), {@code Normalization}, {@code Images},
 * {@code SizedFigure}, {@code ArchitectureFigure}.
 */
package io.nnviz.renderers.figures;
