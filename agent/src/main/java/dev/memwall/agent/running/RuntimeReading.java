package dev.memwall.agent.running;

import java.util.List;
import java.util.Objects;

/**
 * What one runtime's local API said when asked: its loaded models and its live figures, or the one line that says why
 * nothing could be read. Each figure is null where the runtime does not report it.
 *
 * @param url                       the base URL asked
 * @param runtime                   {@code ollama}, {@code llama.cpp} or {@code vllm}; null when nothing recognisable
 *                                  answered a URL the user gave
 * @param models                    the models loaded
 * @param requestsRunning           requests being processed now
 * @param generationTokensPerSecond the generation rate the runtime measured itself, tokens per second
 *                                  (llama-server's {@code llamacpp:predicted_tokens_seconds}, an average over its
 *                                  generation time)
 * @param promptTokensPerSecond     the prompt processing rate it measured itself, tokens per second
 * @param generationTokensTotal     the tokens it has generated since it started (a counter: vLLM's
 *                                  {@code vllm:generation_tokens_total}, llama-server's
 *                                  {@code llamacpp:tokens_predicted_total}); two readings give a rate through
 *                                  {@link #tokensPerSecond}
 * @param kvCache                   its KV cache, as far as it says
 * @param notes                     what could not be read while the rest could ({@code GET /metrics: answered 501})
 * @param error                     why nothing could be read, one line; null when the reading has data
 */
public record RuntimeReading(String url, String runtime, List<LoadedRuntimeModel> models, Integer requestsRunning,
        Double generationTokensPerSecond, Double promptTokensPerSecond, Double generationTokensTotal,
        KvCacheReading kvCache, List<String> notes, String error) {

    public RuntimeReading {
        Objects.requireNonNull(url, "url");
        models = List.copyOf(models);
        notes = List.copyOf(notes);
        kvCache = kvCache == null ? KvCacheReading.NONE : kvCache;
    }

    /** A reading with nothing in it but why. */
    public static RuntimeReading failed(String url, String runtime, String error) {
        return new RuntimeReading(url, runtime, List.of(), null, null, null, null, KvCacheReading.NONE, List.of(),
                Objects.requireNonNull(error, "error"));
    }

    /** Whether the runtime answered with data. */
    public boolean ok() {
        return error == null;
    }

    /**
     * The rate between two readings of a token counter, tokens per second; null when either is unknown, no time
     * passed, or the counter went back (the runtime restarted).
     */
    public static Double tokensPerSecond(Double earlierTotal, Double laterTotal, long elapsedNanos) {
        if (earlierTotal == null || laterTotal == null || elapsedNanos <= 0 || laterTotal < earlierTotal
                || !Double.isFinite(earlierTotal) || !Double.isFinite(laterTotal)) {
            return null;
        }
        return (laterTotal - earlierTotal) * 1e9 / elapsedNanos;
    }
}
