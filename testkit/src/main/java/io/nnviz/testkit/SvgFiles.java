package io.nnviz.testkit;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;

/** Written figures read back: every SVG in a folder parsed as XML, each checked to be an {@code <svg>} document. */
public final class SvgFiles {
    private SvgFiles() {
    }

    /** The SVG files in {@code dir} by file name, parsed; fails on a file that is not an SVG document. */
    public static Map<String, Document> parseAll(Path dir) throws Exception {
        var f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Map<String, Document> docs = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".svg")).sorted().toList()) {
                Document d = f.newDocumentBuilder().parse(p.toFile());
                if (!"svg".equals(d.getDocumentElement().getLocalName())) {
                    throw new AssertionError(p + " is not an SVG document but <" + d.getDocumentElement().getLocalName() + ">");
                }
                docs.put(p.getFileName().toString(), d);
            }
        }
        return docs;
    }

    /** One SVG file parsed; fails if it is not an SVG document. */
    public static Document parse(Path file) throws Exception {
        var f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document d = f.newDocumentBuilder().parse(file.toFile());
        if (!"svg".equals(d.getDocumentElement().getLocalName())) {
            throw new AssertionError(file + " is not an SVG document but <" + d.getDocumentElement().getLocalName() + ">");
        }
        return d;
    }

    /** The tooltip titles of the groups ({@code <g class="cssClass"><title>}) in document order. */
    public static List<String> groupTitles(Document svg, String cssClass) {
        List<String> out = new ArrayList<>();
        NodeList gs = svg.getElementsByTagNameNS("*", "g");
        for (int i = 0; i < gs.getLength(); i++) {
            Element g = (Element) gs.item(i);
            if (!cssClass.equals(g.getAttribute("class"))) {
                continue;
            }
            for (Node c = g.getFirstChild(); c != null; c = c.getNextSibling()) {
                if (c instanceof Element e && "title".equals(e.getLocalName())) {
                    out.add(e.getTextContent());
                    break;
                }
            }
        }
        return out;
    }

    /** The contents of every {@code <text>} element, in document order. */
    public static List<String> texts(Document svg) {
        List<String> out = new ArrayList<>();
        NodeList ts = svg.getElementsByTagNameNS("*", "text");
        for (int i = 0; i < ts.getLength(); i++) {
            out.add(ts.item(i).getTextContent());
        }
        return out;
    }

    /** The text content of figure {@code name}; fails naming the figures there are if it is missing. */
    public static String text(Map<String, Document> svgs, String name) {
        Document d = svgs.get(name);
        if (d == null) {
            throw new AssertionError(name + " is not among " + svgs.keySet());
        }
        return d.getDocumentElement().getTextContent();
    }
}
