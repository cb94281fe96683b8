package dev.memwall.estimator.fit;

import java.util.Locale;
import java.util.Optional;

/** The kinds of device that decode measurements are grouped by; {@link #word()} is the word the measurements use. */
public enum DeviceClass {
    NVIDIA_GPU("nvidia_gpu"),
    AMD_GPU("amd_gpu"),
    APPLE("apple"),
    CPU("cpu");

    private final String word;

    DeviceClass(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    /** The class a word names ({@code nvidia_gpu}, {@code amd_gpu}, {@code apple}, {@code cpu}), any case. */
    public static Optional<DeviceClass> of(String word) {
        String w = word.trim().toLowerCase(Locale.ROOT);
        for (DeviceClass c : values()) {
            if (c.word.equals(w)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return word;
    }
}
