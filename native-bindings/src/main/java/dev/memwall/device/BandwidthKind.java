package dev.memwall.device;

/** The bandwidth figures memwall reports. */
public enum BandwidthKind {
    /** A read-only streaming kernel: what decoding a language model does (every weight read once). */
    READ("bytes read"),
    /** A device-to-device copy: bytes read plus bytes written. */
    COPY("bytes read + bytes written"),
    /** Host memory (pinned) to device memory: what loading or offloading layers costs. Bytes counted once. */
    HOST_TO_DEVICE("bytes moved, counted once"),
    /** Device memory to host memory (pinned). Bytes counted once. */
    DEVICE_TO_HOST("bytes moved, counted once");

    private final String counted;

    BandwidthKind(String counted) {
        this.counted = counted;
    }

    /** What the bytes in a figure of this kind count. */
    public String counted() {
        return counted;
    }

    /** The lowercase word used in JSON and metrics labels. */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
