package dev.memwall.estimator.fit;

import java.util.Objects;

/**
 * The decode rate one sequence is expected to reach, with the bound it comes from.
 *
 * @param tokensPerSecond      expected tokens per second for one sequence
 * @param boundTokensPerSecond the memory-bandwidth bound it was worked out from, tokens per second
 * @param efficiency           {@code tokensPerSecond / boundTokensPerSecond}, within (0, 1]
 * @param how                  one line: the measurements it was fitted on and the fit
 */
public record DecodeRate(double tokensPerSecond, double boundTokensPerSecond, double efficiency, String how) {

    public DecodeRate {
        Objects.requireNonNull(how, "how");
        if (!(boundTokensPerSecond > 0) || Double.isInfinite(boundTokensPerSecond)) {
            throw new IllegalArgumentException("bound must be > 0 tokens per second, was " + boundTokensPerSecond);
        }
        if (!(efficiency > 0 && efficiency <= 1)) {
            throw new IllegalArgumentException("efficiency must be within (0, 1], was " + efficiency);
        }
        if (!(tokensPerSecond > 0 && tokensPerSecond <= boundTokensPerSecond)) {
            throw new IllegalArgumentException("expected rate must be within (0, bound " + boundTokensPerSecond
                    + "], was " + tokensPerSecond);
        }
    }
}
