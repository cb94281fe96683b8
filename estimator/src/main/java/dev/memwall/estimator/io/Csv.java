package dev.memwall.estimator.io;

import java.util.ArrayList;
import java.util.List;

/**
 * A small RFC 4180 line reader: quoted fields, doubled quotes. One record per line. The device layer has its own
 * copy: the estimator and the device layer never depend on each other (docs/ARCHITECTURE.md).
 */
public final class Csv {

    private Csv() {
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
