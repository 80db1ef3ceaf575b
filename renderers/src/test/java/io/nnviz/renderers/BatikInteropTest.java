package io.nnviz.renderers;

import io.nnviz.api.Tensor;
import io.nnviz.renderers.canvas.Java2dCanvas;
import io.nnviz.renderers.figures.FilterGrid;
import io.nnviz.renderers.figures.LineChart;
import org.apache.batik.svggen.SVGGraphics2D;
import org.apache.batik.transcoder.TranscoderInput;
import org.apache.batik.transcoder.TranscoderOutput;
import org.apache.batik.transcoder.image.PNGTranscoder;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.DOMImplementation;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Graphics2D target with Batik's SVGGraphics2D, and our SVG rasterized by Batik against our PNG. */
class BatikInteropTest {

    @Test
    void figuresDrawOntoBatiksSvgGraphics2D() {
        DOMImplementation dom = org.apache.batik.anim.dom.SVGDOMImplementation.getDOMImplementation();
        Document doc = dom.createDocument("http://www.w3.org/2000/svg", "svg", null);
        SVGGraphics2D g = new SVGGraphics2D(doc);
        Figure f = FilterGrid.of(TileFiguresTest.random(4, 6, 1, 5, 5)).build();
        f.draw(new Java2dCanvas(g));
        Document out = g.getDOMFactory();
        assertTrue(g.getRoot().getElementsByTagName("image").getLength() >= 1, "drawImage produced no <image>");
        assertTrue(out != null);
    }

    @Test
    void batikRasterOfOurSvgMatchesOurPngPath() throws Exception {
        Figure f = FilterGrid.of(TileFiguresTest.random(9, 9, 1, 6, 6)).tileSize(48).build();
        String svg = Figures.toSvg(f);
        PNGTranscoder t = new PNGTranscoder();
        t.addTranscodingHint(PNGTranscoder.KEY_WIDTH, (float) Math.ceil(f.width()));
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        t.transcode(new TranscoderInput(new StringReader(svg)), new TranscoderOutput(png));
        BufferedImage batik = ImageIO.read(new ByteArrayInputStream(png.toByteArray()));
        BufferedImage ours = Figures.toImage(f, 1);
        // compare the tile area pixel by pixel (text rendering differs between engines)
        int diff = 0, total = 0;
        Svg parsed = Svg.parse(svg);
        org.w3c.dom.Element img = TileFiguresTest.tilesElement(parsed);
        int x0 = (int) Svg.num(img, "x") + 2, y0 = (int) Svg.num(img, "y") + 2;
        int x1 = (int) (Svg.num(img, "x") + Svg.num(img, "width")) - 2, y1 = (int) (Svg.num(img, "y") + Svg.num(img, "height")) - 2;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                int a = batik.getRGB(x, y), b = ours.getRGB(x, y);
                int d = Math.max(Math.abs((a >> 16 & 255) - (b >> 16 & 255)), Math.max(Math.abs((a >> 8 & 255) - (b >> 8 & 255)),
                        Math.abs((a & 255) - (b & 255))));
                if (d > 12) {
                    diff++;
                }
                total++;
            }
        }
        assertTrue(diff < total * 0.03, diff + " of " + total + " tile pixels differ");
        Figure chart = LineChart.titled("c").series("s", new double[] {0, 1, 2}, new double[] {3, 1, 2}).build();
        ByteArrayOutputStream p2 = new ByteArrayOutputStream();
        new PNGTranscoder().transcode(new TranscoderInput(new StringReader(Figures.toSvg(chart))), new TranscoderOutput(p2));
        assertTrue(p2.size() > 1000, "Batik rasterizes the chart SVG");
    }
}
