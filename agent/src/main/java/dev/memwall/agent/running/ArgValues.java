package dev.memwall.agent.running;

import dev.memwall.estimator.units.AsciiNumbers;
import java.util.List;

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

    /**
     * The option at {@code args[i]}: its name, and its value, given inline after '=' for a long option
     * ({@code --ctx-size=4096}), else the next argument (null at the end); {@code inline} says which.
     */
    record Option(String name, String value, boolean inline) {

        static Option at(List<String> args, int i) {
            String a = args.get(i);
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                return new Option(a.substring(0, eq), a.substring(eq + 1), true);
            }
            return new Option(a, i + 1 < args.size() ? args.get(i + 1) : null, false);
        }
    }
}
