package dev.memwall.agent.render;

/**
 * Messages that echo what a user or a client sent stay one line: control characters (a newline in an argument
 * or a query) are written as escapes, so an error can neither span lines nor forge a log line; and a message
 * over {@value #MAX_CHARS} characters (a 100 KB argument echoed back) keeps its start and its end, with how much
 * was cut in between.
 */
public final class OneLine {

    /** The longest message written whole. */
    public static final int MAX_CHARS = 1000;
    private static final int HEAD = 600;
    private static final int TAIL = 300;

    private OneLine() {
    }

    public static String of(String text) {
        String escaped = escape(text);
        if (escaped == null || escaped.length() <= MAX_CHARS) {
            return escaped;
        }
        return escaped.substring(0, HEAD) + String.format(java.util.Locale.ROOT, "...[%,d of %,d characters cut]...",
                escaped.length() - HEAD - TAIL, escaped.length()) + escaped.substring(escaped.length() - TAIL);
    }

    private static String escape(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                if (b == null) {
                    b = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                switch (c) {
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> b.append(String.format("\\u%04x", (int) c));
                }
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? text : b.toString();
    }
}
