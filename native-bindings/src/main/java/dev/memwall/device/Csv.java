package dev.memwall.device;

import java.util.ArrayList;
import java.util.List;

/** A small RFC 4180 reader: quoted fields, doubled quotes, '#' comment lines. One record per line. */
public final class Csv {

    private Csv() {
    }

    /**
     * One record of a table: its fields and where it is ({@code name line N}) for messages.
     */
    public record Line(String where, List<String> fields) {
    }

    /**
     * The records of a table shipped in the jar beside {@code anchor}, after a header that must equal
     * {@code header}; comment and blank lines are skipped. A missing resource or a wrong header is a build
     * error, thrown as {@link IllegalStateException}.
     */
    public static List<Line> resource(Class<?> anchor, String name, List<String> header) {
        try (java.io.InputStream in = anchor.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the jar");
            }
            List<Line> lines = new ArrayList<>();
            boolean seen = false;
            int lineNo = 0;
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                lineNo++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String where = name + " line " + lineNo;
                List<String> fields = parseLine(line, where);
                if (!seen) {
                    if (!fields.equals(header)) {
                        throw new IllegalStateException(where + ": unexpected header " + fields);
                    }
                    seen = true;
                    continue;
                }
                lines.add(new Line(where, fields));
            }
            return lines;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Splits one line into fields; {@code where} names the line in errors. */
    public static List<String> parseLine(String line, String where) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.length() == 0 && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                wasQuoted = false;
            } else if (wasQuoted) {
                throw new IllegalArgumentException(where + ": text after a closing quote at column " + (i + 1));
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException(where + ": unterminated quoted field");
        }
        fields.add(field.toString());
        return fields;
    }
}
