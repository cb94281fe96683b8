package dev.memwall.estimator.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small RFC 4180 line reader: quoted fields, doubled quotes. One record per line. The device layer has its own
 * copy: the estimator and the device layer never depend on each other (docs/ARCHITECTURE.md).
 */
public final class Csv {

    private Csv() {
    }

    /** One data line of a table: its fields by column, and where it stands for errors ("NAME line N"). */
    public record Row(Map<String, String> fields, String where) {
    }

    /**
     * The data lines of a table whose first non-comment line must be {@code header}: blank lines and lines starting
     * with '#' skipped, fields trimmed, each line checked for the header's field count.
     */
    public static List<Row> rows(String text, String name, List<String> header) {
        List<Row> rows = new ArrayList<>();
        boolean seen = false;
        int lineNo = 0;
        for (String line : text.split("\r?\n")) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String where = name + " line " + lineNo;
            List<String> f = parseLine(line, where);
            if (!seen) {
                if (!f.equals(header)) {
                    throw new IllegalArgumentException(where + ": header must be " + String.join(",", header));
                }
                seen = true;
                continue;
            }
            if (f.size() != header.size()) {
                throw new IllegalArgumentException(where + ": expected " + header.size() + " fields, found " + f.size());
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < f.size(); i++) {
                row.put(header.get(i), f.get(i).trim());
            }
            rows.add(new Row(row, where));
        }
        if (!seen) {
            throw new IllegalArgumentException(name + ": no header line");
        }
        return rows;
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
