package dev.memwall.agent.render;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes maps, lists, strings, numbers, booleans and null as indented JSON. Small on purpose: the documents are
 * built as {@link java.util.LinkedHashMap}s so key order is the order they were put in.
 */
public final class Json {

    private Json() {
    }

    /** The value as JSON text, indented by two spaces, ending without a newline. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder(1024);
        write(value, out, 0);
        return out.toString();
    }

    /** The value as JSON text on one line (for one document per line). */
    public static String writeCompact(Object value) {
        StringBuilder out = new StringBuilder(1024);
        write(value, out, -1);
        return out.toString();
    }

    private static void write(Object value, StringBuilder out, int depth) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            string(s, out);
        } else if (value instanceof Boolean b) {
            out.append(b.booleanValue());
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                out.append("null");
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                out.append((long) d);
            } else {
                out.append(String.format(Locale.ROOT, "%.6g", d).replaceFirst("\\.?0+(e|$)", "$1"));
            }
        } else if (value instanceof Number n) {
            out.append(n.longValue());
        } else if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            boolean compact = depth < 0;
            out.append(compact ? "{" : "{\n");
            Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                indent(out, depth + 1);
                string(String.valueOf(e.getKey()), out);
                out.append(compact ? ":" : ": ");
                write(e.getValue(), out, compact ? depth : depth + 1);
                out.append(it.hasNext() ? (compact ? "," : ",\n") : (compact ? "" : "\n"));
            }
            indent(out, depth);
            out.append('}');
        } else if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                out.append("[]");
                return;
            }
            boolean compact = depth < 0;
            out.append(compact ? "[" : "[\n");
            for (int i = 0; i < list.size(); i++) {
                indent(out, depth + 1);
                write(list.get(i), out, compact ? depth : depth + 1);
                out.append(i + 1 < list.size() ? (compact ? "," : ",\n") : (compact ? "" : "\n"));
            }
            indent(out, depth);
            out.append(']');
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
        }
    }

    private static void indent(StringBuilder out, int depth) {
        for (int i = 0; i < depth; i++) {
            out.append("  ");
        }
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
