package dev.memwall.agent.cli;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT as a request to stop, so that the daemon shuts down in order and exits 0 (a JVM killed by
 * SIGTERM exits 143 even when its shutdown hooks run).
 */
final class Signals {

    private Signals() {
    }

    static void onTermination(Runnable action) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), s -> action.run());
            } catch (IllegalArgumentException e) {
                // Ignored at start (a background job of a non-interactive shell ignores SIGINT) or taken by the
                // JVM: the default handling stays.
                org.slf4j.LoggerFactory.getLogger(Signals.class).debug("SIG{} not handled: {}", name, e.getMessage());
            }
        }
    }
}
