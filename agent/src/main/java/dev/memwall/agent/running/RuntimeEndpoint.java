package dev.memwall.agent.running;

import java.net.URI;
import java.util.Objects;

/**
 * A model runtime's local HTTP API to ask.
 *
 * @param runtime {@code ollama}, {@code llama.cpp} or {@code vllm}; null for a URL the user gave, where the runtime
 *                is recognised from what answers
 * @param url     the API's base URL, http, with host and port, without a trailing slash
 */
public record RuntimeEndpoint(String runtime, URI url) {

    public static final String OLLAMA = "ollama";
    public static final String LLAMA_CPP = "llama.cpp";
    public static final String VLLM = "vllm";

    public RuntimeEndpoint {
        Objects.requireNonNull(url, "url");
        if (runtime != null && !runtime.equals(OLLAMA) && !runtime.equals(LLAMA_CPP) && !runtime.equals(VLLM)) {
            throw new IllegalArgumentException("runtime must be ollama, llama.cpp, vllm or null, was " + runtime);
        }
    }
}
