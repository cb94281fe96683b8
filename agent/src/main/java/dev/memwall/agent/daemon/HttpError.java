package dev.memwall.agent.daemon;

/** A request that cannot be answered: its status code and one line saying why. */
final class HttpError extends Exception {

    private static final long serialVersionUID = 1L;
    final int status;

    HttpError(int status, String message) {
        super(dev.memwall.agent.render.OneLine.of(message), null, false, false);
        this.status = status;
    }
}
