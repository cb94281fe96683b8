package dev.memwall.agent.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code memwall probe} read without picocli, whose first command line costs about 0.13 s on a small machine
 * (its reflection over the commands' annotations): the most common command should start as fast as the JVM
 * lets it. Only the plain forms are taken here: {@code probe} with {@code --json}, {@code --no-bench},
 * {@code --backend BACKEND}, {@code --simulate SPEC} (repeatable) and {@code --verbose} (also before
 * {@code probe}), each flag at most once, values in the next argument or after {@code =}. Anything else (help,
 * an unknown or repeated option, a missing or option-like value, {@code --}, an {@code @file}) is left to picocli,
 * which stays the authority on the command line: {@code QuickProbeTest} checks both read every accepted command
 * line the same way.
 */
final class QuickProbe {

    /** What a plain probe command line asks for. */
    record Request(boolean json, boolean noBench, String backend, List<String> simulate, boolean verbose) {
    }

    private QuickProbe() {
    }

    /** The request these arguments make, or null when they are not a plain probe command line. */
    static Request read(String... args) {
        boolean seenProbe = false;
        boolean json = false;
        boolean noBench = false;
        boolean verbose = false;
        String backend = null;
        List<String> simulate = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--verbose")) {
                if (verbose) {
                    return null;
                }
                verbose = true;
                continue;
            }
            if (!seenProbe) {
                if (!a.equals("probe")) {
                    return null;
                }
                seenProbe = true;
                continue;
            }
            if (a.equals("--json") && !json) {
                json = true;
            } else if (a.equals("--no-bench") && !noBench) {
                noBench = true;
            } else if (a.equals("--backend") || a.equals("--simulate")) {
                if (i + 1 == args.length || !plainValue(args[i + 1])) {
                    return null;
                }
                i++;
                if (a.equals("--simulate")) {
                    simulate.add(args[i]);
                } else if (backend == null) {
                    backend = args[i];
                } else {
                    return null;
                }
            } else if (a.startsWith("--backend=") && backend == null && plainValue(a.substring(10))) {
                backend = a.substring(10);
            } else if (a.startsWith("--simulate=") && plainValue(a.substring(11))) {
                simulate.add(a.substring(11));
            } else {
                return null;
            }
        }
        return seenProbe ? new Request(json, noBench, backend == null ? "auto" : backend, List.copyOf(simulate),
                verbose) : null;
    }

    /** A value picocli takes as it stands: not empty, not option-like, not an argument file. */
    private static boolean plainValue(String v) {
        return !v.isEmpty() && !v.startsWith("-") && !v.startsWith("@");
    }
}
