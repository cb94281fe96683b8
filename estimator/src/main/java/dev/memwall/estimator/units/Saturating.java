package dev.memwall.estimator.units;

/**
 * Sums and products of non-negative sizes that stop at {@link #BEYOND} ({@code Long.MAX_VALUE}) instead of wrapping
 * or throwing: a search over contexts and batches compares them with what a device holds, and a size past a long is
 * as much "does not fit" as one that just misses. A figure shown to the user is checked with {@link #isBeyond}
 * and refused as too large to represent rather than printed as if it were real.
 */
public final class Saturating {

    /** The value every saturated size takes: more bytes than a long counts. */
    public static final long BEYOND = Long.MAX_VALUE;

    private Saturating() {
    }

    /** {@code a + b} for sizes >= 0, or {@link #BEYOND}. */
    public static long add(long a, long b) {
        long r = a + b;
        return r < 0 ? BEYOND : r;
    }

    /** {@code a x b} for sizes >= 0, or {@link #BEYOND}. */
    public static long multiply(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long r = a * b;
        return hi != 0 || r < 0 ? BEYOND : r;
    }

    /** A size computed in doubles, rounded up, or {@link #BEYOND} from {@code Long.MAX_VALUE} on (NaN included). */
    public static long ofDouble(double bytes) {
        return !(bytes < BEYOND) ? BEYOND : (long) Math.ceil(bytes);
    }

    /** Whether a size saturated. */
    public static boolean isBeyond(long bytes) {
        return bytes == BEYOND;
    }
}
