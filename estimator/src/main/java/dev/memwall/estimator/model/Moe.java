package dev.memwall.estimator.model;

/**
 * A mixture-of-experts layout.
 *
 * @param experts                       routed experts per MoE layer
 * @param expertsPerToken               routed experts each token uses
 * @param sharedExperts                 always-on shared experts per MoE layer
 * @param expertIntermediateSize        width of one routed expert's feed-forward block
 * @param sharedExpertIntermediateSize  width of one shared expert's feed-forward block
 * @param firstDenseLayers              leading layers that have a dense feed-forward block instead
 */
public record Moe(int experts, int expertsPerToken, int sharedExperts, long expertIntermediateSize,
        long sharedExpertIntermediateSize, int firstDenseLayers) {

    public Moe {
        if (experts < 1) {
            throw new IllegalArgumentException("experts must be >= 1, was " + experts);
        }
        if (expertsPerToken < 1 || expertsPerToken > experts) {
            throw new IllegalArgumentException("experts per token must be within [1, " + experts + "], was "
                    + expertsPerToken);
        }
        if (sharedExperts < 0 || firstDenseLayers < 0) {
            throw new IllegalArgumentException("shared experts and first dense layers must be >= 0");
        }
        if (expertIntermediateSize < 1 || (sharedExperts > 0 && sharedExpertIntermediateSize < 1)) {
            throw new IllegalArgumentException("expert intermediate sizes must be >= 1");
        }
    }

    /**
     * Distinct routed experts per MoE layer that {@code tokens} tokens are expected to be sent to when routing is
     * uniform and independent: E x (1 - (1 - k/E)^n). One token reaches k; many tokens approach all E. Real
     * routers are skewed, so a batch may touch fewer: this is an expectation, not a bound.
     */
    public double expectedExpertsTouched(long tokens) {
        return expectedExpertsTouched(experts, expertsPerToken, tokens);
    }

    /** {@link #expectedExpertsTouched(long)} for E experts of which each token uses k. */
    public static double expectedExpertsTouched(int experts, int expertsPerToken, long tokens) {
        if (tokens < 1) {
            throw new IllegalArgumentException("tokens must be >= 1, was " + tokens);
        }
        double missed = Math.pow(1 - expertsPerToken / (double) experts, tokens);
        return Math.max(expertsPerToken, experts * (1 - missed));
    }
}
