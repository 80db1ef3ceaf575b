package io.nnviz.api.spi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PrintableTest {
    @Test
    void controlBidiSeparatorAndNonCharactersAreShownAsCodePoints() {
        assertEquals("'a\\u001b[31mb\\u202ec\\u2028d\\ufffe'", Printable.name("a\u001b[31mb\u202ec\u2028d\ufffe"));
        // a language tag (U+E0001, a format character outside the BMP) is one code point, escaped whole
        assertEquals("tag \\ue0001", Printable.line("tag \uDB40\uDC01"));
    }

    @Test
    void namesAreCutAndQuotedLinesFolded() {
        String longName = "x".repeat(500);
        assertEquals("'" + "x".repeat(Printable.NAME_LENGTH - 1) + "...'", Printable.name(longName));
        assertEquals("first; second; third", Printable.oneLine("first\n  second\r\n\nthird"));
        assertEquals(Printable.LINE_LENGTH + 3, Printable.oneLine("y".repeat(1000)).length());
        assertEquals("null", Printable.name(null));
        assertEquals("", Printable.line(null));
    }
}
