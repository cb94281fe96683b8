package dev.memwall.estimator.catalog;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parameter count as its publisher printed it ("8.03B", "37B", "494M"), with the precision that printing
 * implies: "37B" means 36.5B to 37.5B.
 *
 * @param printed as printed
 * @param value   the number, in parameters
 * @param halfUnit half a unit of the last printed digit, in parameters
 */
public record PublishedCount(String printed, long value, long halfUnit) {

    private static final Pattern FORMAT = Pattern.compile("([0-9]+(?:\\.([0-9]+))?)\\s*([KMBT])");

    public static PublishedCount parse(String text) {
        Matcher m = FORMAT.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("a published count looks like 8.03B or 494M, was '" + text + "'");
        }
        long unit = switch (m.group(3)) {
            case "K" -> 1_000L;
            case "M" -> 1_000_000L;
            case "B" -> 1_000_000_000L;
            default -> 1_000_000_000_000L;
        };
        int decimals = m.group(2) == null ? 0 : m.group(2).length();
        BigDecimal value = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
        long half = BigDecimal.valueOf(unit).movePointLeft(decimals).divide(BigDecimal.valueOf(2)).longValue();
        return new PublishedCount(text.trim(), value.longValueExact(), half);
    }

    /** Whether a computed count agrees: within 1% or within the printed precision, whichever is looser. */
    public boolean agrees(long computed) {
        long tolerance = Math.max(value / 100, halfUnit);
        return Math.abs(computed - value) <= tolerance;
    }
}
