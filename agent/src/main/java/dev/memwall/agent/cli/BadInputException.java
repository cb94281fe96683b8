package dev.memwall.agent.cli;

/** Input from outside was wrong: the message says what and where, and the exit code is 2. */
public final class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(dev.memwall.agent.render.OneLine.of(message));
    }
}
