package dev.memwall.device.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need a part of the system (an OpenCL device, clinfo) call {@link #require}: on a developer's
 * machine without it they skip with a message saying what to install; with
 * {@code MEMWALL_REQUIRE_SYSTEM_PARTS=1} (set by CI) they fail instead, so nothing skips silently there.
 */
public final class SystemParts {

    public static final String STRICT_ENV = "MEMWALL_REQUIRE_SYSTEM_PARTS";

    private SystemParts() {
    }

    public static boolean strict() {
        String v = System.getenv(STRICT_ENV);
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true"));
    }

    /** Skips (or, in strict mode, fails) unless the part is present. */
    public static void require(boolean present, String part, String howToGet) {
        if (present) {
            return;
        }
        String message = part + " is not available here (" + howToGet + ")";
        if (strict()) {
            Assertions.fail(message + "; " + STRICT_ENV + " is set, so this is a failure, not a skip");
        }
        Assumptions.abort(message + "; skipping");
    }
}
