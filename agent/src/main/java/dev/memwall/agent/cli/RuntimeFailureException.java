package dev.memwall.agent.cli;

/** The command could not do its job on this machine (a driver is missing, a device failed): exit code 1. */
public final class RuntimeFailureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RuntimeFailureException(String message) {
        super(dev.memwall.agent.render.OneLine.of(message));
    }
}
