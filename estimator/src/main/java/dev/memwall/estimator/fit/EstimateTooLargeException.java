package dev.memwall.estimator.fit;

/**
 * A workload whose memory estimate is past what a long counts (a 10M-token training run of a 405B model): bad
 * input, refused with the inputs named rather than shown as a saturated number.
 */
public final class EstimateTooLargeException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    EstimateTooLargeException(String model, Workload workload) {
        super(String.format(java.util.Locale.ROOT, "%s: the estimate is too large to represent (context %d, batch %d, "
                + "mode %s, runtime %s)", model, workload.contextTokens(), workload.batch(), workload.mode().word(),
                workload.runtime().word()));
    }
}
