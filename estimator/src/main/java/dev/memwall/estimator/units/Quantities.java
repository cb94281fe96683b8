package dev.memwall.estimator.units;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and prints sizes, rates and FLOP counts. Sizes take B, KB, MB, GB, TB (powers of 10) and KiB, MiB, GiB,
 * TiB (powers of 2); a bare number is refused because "48" could mean either. Human output prints memory in GiB
 * and rates in GB/s, always with the unit.
 */
public final class Quantities {

    public static final long KIB = 1L << 10;
    public static final long MIB = 1L << 20;
    public static final long GIB = 1L << 30;
    public static final long TIB = 1L << 40;

    private static final Map<String, Long> SIZE_UNITS = Map.ofEntries(
            Map.entry("b", 1L),
            Map.entry("kb", 1_000L), Map.entry("mb", 1_000_000L), Map.entry("gb", 1_000_000_000L),
            Map.entry("tb", 1_000_000_000_000L),
            Map.entry("kib", KIB), Map.entry("mib", MIB), Map.entry("gib", GIB), Map.entry("tib", TIB));
    private static final Map<String, Long> FLOP_UNITS = Map.of(
            "flops", 1L, "kflops", 1_000L, "mflops", 1_000_000L, "gflops", 1_000_000_000L,
            "tflops", 1_000_000_000_000L, "pflops", 1_000_000_000_000_000L);
    private static final Pattern NUMBER_UNIT = Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([A-Za-z/]*)\\s*");

    private Quantities() {
    }

    /** A size such as {@code 48GiB} or {@code 80 GB}, in bytes; must be > 0. */
    public static long parseBytes(String text) {
        return parse(text, SIZE_UNITS, "", "a size", "B, KB, MB, GB, TB, KiB, MiB, GiB or TiB");
    }

    /** A rate such as {@code 960GB/s} or {@code 3.35TB/s}, in bytes per second; must be > 0. */
    public static long parseBytesPerSecond(String text) {
        return parse(text, SIZE_UNITS, "/s", "a bandwidth", "B/s, KB/s, MB/s, GB/s, TB/s, or the KiB/s family");
    }

    /** A compute rate such as {@code 180TFLOPS}, in FLOP/s; must be > 0. */
    public static long parseFlops(String text) {
        return parse(text, FLOP_UNITS, "", "a FLOP rate", "FLOPS, GFLOPS, TFLOPS or PFLOPS");
    }

    private static long parse(String text, Map<String, Long> units, String suffix, String what, String unitList) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty " + what.substring(2) + "; give a number with a unit ("
                    + unitList + ")");
        }
        Matcher m = NUMBER_UNIT.matcher(text);
        if (!m.matches()) {
            if (text.trim().startsWith("-")) {
                throw new IllegalArgumentException("'" + text + "' is negative; " + what + " must be > 0");
            }
            throw new IllegalArgumentException("'" + text + "' is not " + what + "; give a number with a unit ("
                    + unitList + ")");
        }
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        if (unit.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' has no unit; use " + unitList);
        }
        if (!suffix.isEmpty()) {
            if (!unit.endsWith(suffix)) {
                throw new IllegalArgumentException("'" + text + "' is not " + what + "; use " + unitList);
            }
            unit = unit.substring(0, unit.length() - suffix.length());
        }
        Long multiplier = units.get(unit);
        if (multiplier == null) {
            throw new IllegalArgumentException("'" + text + "' has an unknown unit '" + m.group(2) + "'; use "
                    + unitList);
        }
        BigDecimal value = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(multiplier));
        if (value.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        long result = value.setScale(0, RoundingMode.HALF_UP).longValueExact();
        if (result <= 0) {
            throw new IllegalArgumentException("'" + text + "' is zero; " + what + " must be > 0");
        }
        return result;
    }

    /** Bytes as GiB with two decimals: {@code 79.21 GiB}. */
    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) GIB);
    }

    /** Bytes as MiB without decimals: {@code 448 MiB}. */
    public static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / (double) MIB);
    }

    /** Bytes per second as GB/s (10^9) with three significant figures at least: {@code 29.6 GB/s}. */
    public static String gbPerSecond(double bytesPerSecond) {
        double gb = bytesPerSecond / 1e9;
        String pattern = gb >= 100 ? "%.0f GB/s" : gb >= 10 ? "%.1f GB/s" : "%.2f GB/s";
        return String.format(Locale.ROOT, pattern, gb);
    }

    /** FLOP/s as TFLOPS: {@code 989 TFLOPS}. */
    public static String tflops(double flops) {
        double t = flops / 1e12;
        return String.format(Locale.ROOT, t >= 100 ? "%.0f TFLOPS" : "%.1f TFLOPS", t);
    }
}
