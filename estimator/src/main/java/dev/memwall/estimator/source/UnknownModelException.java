package dev.memwall.estimator.source;

/** The MODEL argument names neither a file nor a catalog id. */
public final class UnknownModelException extends Exception {
    private static final long serialVersionUID = 1L;

    public UnknownModelException(String message) {
        super(message);
    }
}
