package dev.memwall.estimator.units;

/**
 * Whole numbers written in ASCII digits, an optional leading {@code -} and nothing else. Java's
 * {@code Long.parseLong} also takes any script's digits ("١٠٠" is 100) and a leading {@code +}; a number from a
 * user (an option, a query parameter, a setting) is read here instead, so what one tool reads as 100 no other
 * tool reads differently.
 */
public final class AsciiNumbers {

    private AsciiNumbers() {
    }

    /** Whether {@code text} is an optional {@code -} and one or more ASCII digits. */
    public static boolean isWholeNumber(String text) {
        if (text == null || text.isEmpty()) {
            return false;
        }
        int start = text.charAt(0) == '-' ? 1 : 0;
        if (start == text.length()) {
            return false;
        }
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** The long {@code text} writes; NumberFormatException when it is no whole number or past a long. */
    public static long parseLong(String text) {
        if (!isWholeNumber(text)) {
            throw new NumberFormatException("'" + text + "' is not a whole number in ASCII digits");
        }
        return Long.parseLong(text);
    }

    /** The int {@code text} writes; NumberFormatException when it is no whole number or past an int. */
    public static int parseInt(String text) {
        if (!isWholeNumber(text)) {
            throw new NumberFormatException("'" + text + "' is not a whole number in ASCII digits");
        }
        return Integer.parseInt(text);
    }
}
