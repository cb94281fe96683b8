package dev.memwall.agent.daemon;

import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.HostCapacity;
import java.util.List;

/** The fit endpoint's parsing and answer, without the server, for the fuzzer. */
public final class QueryFuzzing {

    private static final List<Capacity> DEVICES = List.of(new Capacity("sim:0", "GPU", 80L << 30, 60L << 30, 0L, null,
            3_350_000_000_000L, 989_000_000_000_000L, null));

    private QueryFuzzing() {
    }

    /** The status /api/v1/fit would answer this raw query string with. */
    public static int status(String rawQuery) {
        try {
            FitQuery f = FitQuery.parse(AgentHttp.query(rawQuery));
            f.rows(DEVICES, HostCapacity.UNKNOWN);
            return 200;
        } catch (HttpError e) {
            if (e.getMessage() == null || e.getMessage().contains("\n")) {
                throw new AssertionError("error without one line: " + e.getMessage());
            }
            return e.status;
        }
    }

    /** The error message /api/v1/fit would answer this raw query string with, or null for a 200. */
    public static String error(String rawQuery) {
        try {
            FitQuery f = FitQuery.parse(AgentHttp.query(rawQuery));
            f.rows(DEVICES, HostCapacity.UNKNOWN);
            return null;
        } catch (HttpError e) {
            return e.status + " " + e.getMessage();
        }
    }
}
