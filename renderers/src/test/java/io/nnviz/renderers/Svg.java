package io.nnviz.renderers;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Parses SVG text as XML for assertions (fails the test if it does not parse). */
final class Svg {
    final Document doc;

    private Svg(Document doc) {
        this.doc = doc;
    }

    static Svg parse(String svg) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return new Svg(f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8))));
        } catch (Exception e) {
            throw new AssertionError("SVG does not parse: " + e, e);
        }
    }

    List<Element> all(String tag) {
        NodeList nl = doc.getElementsByTagNameNS("*", tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nl.getLength(); i++) {
            out.add((Element) nl.item(i));
        }
        return out;
    }

    List<Element> groups(String cssClass) {
        return all("g").stream().filter(g -> cssClass.equals(g.getAttribute("class"))).toList();
    }

    List<String> texts() {
        return all("text").stream().map(Element::getTextContent).toList();
    }

    double[] viewBox() {
        String[] p = doc.getDocumentElement().getAttribute("viewBox").trim().split("\\s+");
        return new double[] {Double.parseDouble(p[0]), Double.parseDouble(p[1]), Double.parseDouble(p[2]), Double.parseDouble(p[3])};
    }

    static double num(Element e, String attr) {
        return Double.parseDouble(e.getAttribute(attr));
    }
}
