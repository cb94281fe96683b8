package dev.memwall.agent.cli;

import dev.memwall.agent.probe.ProbeRunner;
import java.io.PrintWriter;

/**
 * A one-line progress indicator on stderr while benchmarking, drawn only when stderr is a terminal (the
 * launcher tells through the {@code memwall.stderr.tty} system property, which Java 17 cannot find out itself).
 */
final class TerminalProgress implements ProbeRunner.Progress {

    static final String TTY_PROPERTY = "memwall.stderr.tty";

    private final PrintWriter err;
    private boolean drawn;

    private TerminalProgress(PrintWriter err) {
        this.err = err;
    }

    static ProbeRunner.Progress forStderr(PrintWriter err) {
        return Boolean.getBoolean(TTY_PROPERTY) ? new TerminalProgress(err) : ProbeRunner.Progress.NONE;
    }

    @Override
    public void benchmarking(int index, int count, String deviceId, String name) {
        err.print("\r\033[K" + "measuring bandwidth " + (index + 1) + "/" + count + ": " + deviceId + " (" + name + ")...");
        err.flush();
        drawn = true;
    }

    @Override
    public void done() {
        if (drawn) {
            err.print("\r\033[K");
            err.flush();
        }
    }
}
