package dev.memwall.estimator.fit;

import java.util.Objects;

/**
 * The most memory a runtime may allocate on a device when that is less than its total: on Apple silicon the GPU
 * may use only Metal's {@code recommendedMaxWorkingSetSize} of the unified memory.
 *
 * @param bytes the limit
 * @param how   what it is and where the figure comes from
 */
public record DeviceLimit(long bytes, String how) {

    public DeviceLimit {
        Objects.requireNonNull(how, "how");
        if (bytes <= 0) {
            throw new IllegalArgumentException("limit must be > 0 bytes, was " + bytes);
        }
    }
}
