package dev.memwall.estimator.testing;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The fuzzers' common limits: at most a second and 64 MiB of allocation per input. The number of cases is small in
 * {@code ./mvnw verify} and set with {@code -Dmemwall.fuzz.cases=N} for a dedicated run ({@code bench/fuzz.sh}).
 */
public final class Fuzz {

    public static final Duration TIME_PER_INPUT = Duration.ofSeconds(1);
    public static final long MAX_ALLOCATION_BYTES = 64L << 20;

    private Fuzz() {
    }

    /** Cases to run: {@code memwall.fuzz.cases} when set, else {@code inVerify}. */
    public static int cases(int inVerify) {
        return Integer.getInteger("memwall.fuzz.cases", inVerify);
    }

    /**
     * Runs {@code action} on one input within the time limit, failing when it allocates more than the limit
     * (bytes allocated by its thread, so a reader that sizes a buffer from what a header claims is caught).
     */
    public static <T> T bounded(String what, Callable<T> action) {
        return assertTimeoutPreemptively(TIME_PER_INPUT, () -> {
            long before = allocated();
            T result;
            try {
                result = action.call();
            } finally {
                long used = allocated() - before;
                if (used > MAX_ALLOCATION_BYTES) {
                    throw new AssertionError(what + ": allocated " + used + " bytes for one input (limit "
                            + MAX_ALLOCATION_BYTES + ")");
                }
            }
            return result;
        }, what);
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
