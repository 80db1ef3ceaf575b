package io.nnviz.recording.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON both run files share: one bounded parser factory, a value read as a tree of maps and
 * lists with typed accessors that say what they found instead, and the one way a non-finite
 * number is written (JSON has none): as the string {@code "NaN"}, {@code "Infinity"} or
 * {@code "-Infinity"}, which {@link #num} reads back.
 */
final class Json {
    /** Parsers nest at most 64 deep and hold strings of at most a run.json's size. */
    static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength((int) RunJson.MAX_FILE_BYTES).build())
            .build();

    private final JsonParser p;

    private Json(JsonParser p) {
        this.p = p;
    }

    /** The next JSON object of {@code p} (positioned on its start) as maps and lists. */
    static Map<String, Object> objectOf(JsonParser p) throws IOException {
        return new Json(p).object();
    }

    /** Writes {@code d} as a number, or as a string if it is not finite. */
    static void number(JsonGenerator g, double d) throws IOException {
        if (Double.isFinite(d)) {
            g.writeNumber(d);
        } else {
            g.writeString(Double.toString(d)); // JSON has no NaN or Infinity
        }
    }

    private Map<String, Object> object() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            if (t != JsonToken.FIELD_NAME) {
                throw new IOException("expected a field name at " + p.currentLocation());
            }
            String name = p.currentName();
            p.nextToken();
            m.put(name, value());
        }
        return m;
    }

    private Object value() throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            throw new IOException("the file ends early");
        }
        return switch (t) {
            case START_OBJECT -> object();
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken x = p.nextToken(); x != JsonToken.END_ARRAY; x = p.nextToken()) {
                    if (x == null) {
                        throw new IOException("the file ends early");
                    }
                    l.add(value());
                }
                yield l;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> "null";
            default -> throw new IOException("unexpected " + t + " at " + p.currentLocation());
        };
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) throws IOException {
        if (o instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IOException("expected an object, found " + kind(o));
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) throws IOException {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IOException("expected a list, found " + kind(o));
    }

    static String str(Object o) throws IOException {
        if (o instanceof String s) {
            return s;
        }
        throw new IOException("expected a string, found " + kind(o));
    }

    static List<String> strings(Object o) throws IOException {
        List<String> out = new ArrayList<>();
        for (Object x : list(o)) {
            out.add(str(x));
        }
        return out;
    }

    /** A number, or one of the strings a non-finite number is written as. */
    static double num(Object o) throws IOException {
        if (o instanceof Number n) {
            return n.doubleValue();
        }
        if (o instanceof String s && (s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity"))) {
            return Double.parseDouble(s);
        }
        throw new IOException("expected a number, found " + kind(o));
    }

    static double[] doubles(Object o) throws IOException {
        List<Object> l = list(o);
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = num(l.get(i));
        }
        return out;
    }

    private static String kind(Object o) {
        return o == null ? "nothing" : o instanceof Map ? "an object" : o instanceof List ? "a list" : "'" + o + "'";
    }
}
