package dev.memwall.agent.running;

/**
 * A model a runtime says it has loaded, as its API reports it; each figure is null where the runtime does not say.
 *
 * @param name            the name the runtime serves it under (Ollama's {@code name}, llama-server's alias or model
 *                        path, vLLM's served model id)
 * @param modelPath       the file or repository it was loaded from, where the runtime says
 * @param sizeBytes       memory the runtime counts for it in all (Ollama's {@code size}: weights, KV cache and
 *                        buffers)
 * @param deviceBytes     the part of that in device memory (Ollama's {@code size_vram})
 * @param contextTokens   context one sequence may use (Ollama's {@code context_length}, llama-server's per-slot
 *                        {@code n_ctx}, vLLM's {@code max_model_len})
 * @param parameterSize   the parameter count as the runtime writes it ({@code 7.2B})
 * @param quantization    its quantization as the runtime writes it ({@code Q4_0})
 * @param expiresAt       when the runtime will unload it (Ollama's {@code expires_at}, RFC 3339, as given)
 * @param slots           sequences it serves at once (llama-server's {@code total_slots})
 * @param slotsProcessing of those, the ones processing a request now (llama-server's {@code /slots})
 */
public record LoadedRuntimeModel(String name, String modelPath, Long sizeBytes, Long deviceBytes, Long contextTokens,
        String parameterSize, String quantization, String expiresAt, Integer slots, Integer slotsProcessing) {
}
