package io.nnviz.renderers.figures;

import io.nnviz.renderers.Figure;

/** A figure whose size and title are fixed when it is built; subclasses only draw. */
abstract class SizedFigure implements Figure {
    private final double width, height;
    private final String title;

    SizedFigure(double width, double height, String title) {
        this.width = width;
        this.height = height;
        this.title = title;
    }

    @Override
    public final double width() {
        return width;
    }

    @Override
    public final double height() {
        return height;
    }

    @Override
    public final String title() {
        return title;
    }
}
