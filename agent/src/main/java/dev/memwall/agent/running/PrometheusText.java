package dev.memwall.agent.running;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Reads samples from Prometheus's text exposition format
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): {@code name{label="value",...} value [timestamp]}.
 * Comments and lines that do not read as a sample are skipped and counted, never fatal: a runtime's metrics are read
 * for the few series memwall wants, and one odd line must not hide the rest. Label values may hold the format's
 * escapes ({@code \\}, {@code \"}, {@code \n}); values may be {@code NaN}, {@code +Inf} or {@code -Inf}.
 */
final class PrometheusText {

    /** One sample. */
    record Sample(String name, Map<String, String> labels, double value) {
        Sample {
            labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        }
    }

    /** The samples kept and the lines skipped. */
    record Parsed(List<Sample> samples, int skippedLines) {
        Parsed {
            samples = List.copyOf(samples);
        }

        /** The first sample named {@code name}, or null. */
        Sample first(String name) {
            for (Sample s : samples) {
                if (s.name().equals(name)) {
                    return s;
                }
            }
            return null;
        }

        /** Every sample named {@code name}. */
        List<Sample> all(String name) {
            List<Sample> out = new ArrayList<>();
            for (Sample s : samples) {
                if (s.name().equals(name)) {
                    out.add(s);
                }
            }
            return out;
        }
    }

    /** Beyond this many kept samples the rest of the text is skipped: the body is capped, this caps the objects. */
    static final int MAX_SAMPLES = 10_000;
    /** Labels one sample may carry before the line counts as garbage. */
    static final int MAX_LABELS = 64;

    private static final Pattern NUMBER = Pattern.compile("[-+]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?");

    private PrometheusText() {
    }

    /** The samples in {@code text} whose names {@code keep} accepts. */
    static Parsed parse(String text, Predicate<String> keep) {
        List<Sample> samples = new ArrayList<>();
        int skipped = 0;
        int start = 0;
        int n = text.length();
        while (start < n) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = n;
            }
            String line = text.substring(start, end).strip();
            start = end + 1;
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (samples.size() >= MAX_SAMPLES) {
                skipped++;
                continue;
            }
            Sample s = line(line, keep);
            if (s == null) {
                skipped++;
            } else if (s != IGNORED) {
                samples.add(s);
            }
        }
        return new Parsed(samples, skipped);
    }

    private static final Sample IGNORED = new Sample("", Map.of(), 0);

    /** The sample on {@code line}, {@link #IGNORED} for one not wanted, or null when it does not read. */
    private static Sample line(String line, Predicate<String> keep) {
        int i = 0;
        int n = line.length();
        if (i >= n || !nameStart(line.charAt(i))) {
            return null;
        }
        while (i < n && namePart(line.charAt(i))) {
            i++;
        }
        String name = line.substring(0, i);
        boolean wanted = keep.test(name);
        Map<String, String> labels = new LinkedHashMap<>();
        if (skipBlanks(line, i) < n && line.charAt(skipBlanks(line, i)) == '{') {
            i = skipBlanks(line, i);
            i++;
            while (true) {
                i = skipBlanks(line, i);
                if (i < n && line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int ls = i;
                if (i >= n || !labelStart(line.charAt(i))) {
                    return null;
                }
                while (i < n && labelPart(line.charAt(i))) {
                    i++;
                }
                String label = line.substring(ls, i);
                i = skipBlanks(line, i);
                if (i >= n || line.charAt(i) != '=') {
                    return null;
                }
                i = skipBlanks(line, i + 1);
                if (i >= n || line.charAt(i) != '"') {
                    return null;
                }
                i++;
                StringBuilder value = new StringBuilder();
                boolean closed = false;
                while (i < n) {
                    char c = line.charAt(i++);
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    if (c == '\\') {
                        if (i >= n) {
                            return null;
                        }
                        char e = line.charAt(i++);
                        value.append(e == 'n' ? '\n' : e); // \\ and \" stand for themselves
                    } else {
                        value.append(c);
                    }
                }
                if (!closed || labels.size() >= MAX_LABELS || labels.containsKey(label)) {
                    return null;
                }
                labels.put(label, value.toString());
                i = skipBlanks(line, i);
                if (i < n && line.charAt(i) == ',') {
                    i++;
                } else if (i < n && line.charAt(i) == '}') {
                    i++;
                    break;
                } else {
                    return null;
                }
            }
        }
        if (i >= n || (line.charAt(i) != ' ' && line.charAt(i) != '\t' && line.charAt(i - 1) != '}')) {
            return null;
        }
        String[] rest = line.substring(i).strip().split("[ \t]+");
        if (rest.length > 2 || (rest.length == 2 && !rest[1].matches("-?[0-9]{1,19}"))) {
            return null; // a value and at most a timestamp in milliseconds
        }
        Double value = value(rest[0]);
        if (value == null) {
            return null;
        }
        return wanted ? new Sample(name, labels, value) : IGNORED;
    }

    private static Double value(String v) {
        switch (v) {
            case "NaN":
                return Double.NaN;
            case "+Inf":
            case "Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                if (v.length() > 64 || !NUMBER.matcher(v).matches()) {
                    return null;
                }
                return Double.parseDouble(v);
        }
    }

    private static int skipBlanks(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static boolean nameStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    }

    private static boolean namePart(char c) {
        return nameStart(c) || (c >= '0' && c <= '9');
    }

    private static boolean labelStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private static boolean labelPart(char c) {
        return labelStart(c) || (c >= '0' && c <= '9');
    }
}
