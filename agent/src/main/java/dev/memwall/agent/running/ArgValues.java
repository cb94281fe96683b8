package dev.memwall.agent.running;

import dev.memwall.estimator.units.AsciiNumbers;

/** Values of a runtime's command-line options as memwall reads them: ASCII digits only, bounded. */
final class ArgValues {

    private ArgValues() {
    }

    /** A whole number of at most 12 ASCII digits, else null. */
    static Long whole(String v) {
        return v == null || v.length() > 12 || !AsciiNumbers.isWholeNumber(v) ? null : AsciiNumbers.parseLong(v);
    }

    /** A count from 1 to a million, else null. */
    static Integer count(Long v) {
        return v == null || v < 1 || v > 1_000_000 ? null : v.intValue();
    }
}
