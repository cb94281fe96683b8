package dev.memwall.agent.daemon;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the agent runs, after flags, {@code MEMWALL_*} environment variables and the config file are merged.
 *
 * @param listen            address and port the HTTP server binds
 * @param sampleInterval    how often devices are read
 * @param benchInterval     how often bandwidth is measured (at start, then every interval); zero for never unless
 *                          asked for over HTTP
 * @param minBenchInterval  the least time between two benchmarks asked for over HTTP
 * @param watch             catalog ids evaluated on every device at every sample
 * @param watchPrecisions   precisions each watched model is also evaluated at, for the metrics
 * @param token             the bearer token POST requests must carry, or null (then POST is served only on
 *                          loopback)
 * @param busyFreeFraction  a device with less than this fraction of its memory free is busy: not benchmarked
 * @param node              the node name put on every metric, or null
 * @param minPrecisionBits  the lowest precision class a watched model's best precision is chosen from
 */
public record AgentSettings(InetSocketAddress listen, Duration sampleInterval, Duration benchInterval,
        Duration minBenchInterval, List<String> watch, List<String> watchPrecisions, String token,
        double busyFreeFraction, String node, int minPrecisionBits, List<String> runtimeUrls) {

    /** Settings asking only the runtimes' default local addresses. */
    public AgentSettings(InetSocketAddress listen, Duration sampleInterval, Duration benchInterval,
            Duration minBenchInterval, List<String> watch, List<String> watchPrecisions, String token,
            double busyFreeFraction, String node, int minPrecisionBits) {
        this(listen, sampleInterval, benchInterval, minBenchInterval, watch, watchPrecisions, token, busyFreeFraction,
                node, minPrecisionBits, List.of());
    }

    /** Settings with the default precision floor (the 4-bit class). */
    public AgentSettings(InetSocketAddress listen, Duration sampleInterval, Duration benchInterval,
            Duration minBenchInterval, List<String> watch, List<String> watchPrecisions, String token,
            double busyFreeFraction, String node) {
        this(listen, sampleInterval, benchInterval, minBenchInterval, watch, watchPrecisions, token, busyFreeFraction,
                node, dev.memwall.estimator.fit.PrecisionPolicy.DEFAULT_MIN_CLASS_BITS);
    }

    public static final int DEFAULT_PORT = 9464;
    public static final List<String> DEFAULT_WATCH = List.of("llama-3.1-8b", "qwen2.5-7b", "gemma-2-9b",
            "qwen3-30b-a3b", "llama-3.1-70b", "gpt-oss-120b");

    public AgentSettings {
        Objects.requireNonNull(listen, "listen");
        watch = List.copyOf(watch);
        watchPrecisions = List.copyOf(watchPrecisions);
        runtimeUrls = runtimeUrls == null ? List.of() : List.copyOf(runtimeUrls);
        if (sampleInterval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("the sample interval must be at least 100ms, was "
                    + Durations.format(sampleInterval));
        }
        if (benchInterval.isNegative() || minBenchInterval.isNegative()) {
            throw new IllegalArgumentException("intervals must not be negative");
        }
        if (busyFreeFraction < 0 || busyFreeFraction >= 1) {
            throw new IllegalArgumentException("the busy threshold must be in [0, 1), was " + busyFreeFraction);
        }
    }

    /** Whether the server answers only this host. */
    public boolean loopback() {
        return listen.getAddress() != null && listen.getAddress().isLoopbackAddress();
    }

    /** Whether POST requests can be served: on loopback, or with a token to check. */
    public boolean postAllowed() {
        return loopback() || token != null;
    }

    /** A path-free description for the start-up log line. */
    public String describe() {
        return "listen=" + listen.getAddress().getHostAddress() + ":" + listen.getPort() + " sample-interval="
                + Durations.format(sampleInterval) + " bench-interval=" + Durations.format(benchInterval)
                + " min-bench-interval=" + Durations.format(minBenchInterval) + " watch=" + String.join(",", watch)
                + " watch-precisions=" + String.join(",", watchPrecisions) + " min-precision=" + minPrecisionBits + "bit"
                + " token=" + (token == null ? "none" : "set") + " busy-below-free=" + busyFreeFraction
                + " node=" + (node == null ? "none" : node);
    }

}
