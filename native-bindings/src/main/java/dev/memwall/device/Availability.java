package dev.memwall.device;

import java.util.Objects;

/** Whether a backend can be used on this machine, and if not, why (naming what to install). */
public record Availability(boolean available, String reason) {

    public Availability {
        if (!available) {
            Objects.requireNonNull(reason, "an unavailable backend must say why");
            if (reason.isBlank()) {
                throw new IllegalArgumentException("an unavailable backend must say why, reason was blank");
            }
        }
    }

    public static Availability yes() {
        return new Availability(true, null);
    }

    public static Availability no(String reason) {
        return new Availability(false, reason);
    }
}
