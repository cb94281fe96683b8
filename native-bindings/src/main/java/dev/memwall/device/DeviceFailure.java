package dev.memwall.device;

import java.util.Objects;

/**
 * A device the driver lists but that could not be read at all (its identity failed); the other devices carry on.
 *
 * @param id      the id it would have had, e.g. {@code cuda:1}
 * @param backend the backend that found it
 * @param error   one line saying what failed
 */
public record DeviceFailure(String id, String backend, String error) {

    public DeviceFailure {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(error, "error");
    }
}
