package dev.memwall.agent.running;

/** What a running model's command line says about its memory: llama.cpp's options or vLLM's. */
public sealed interface RuntimeSettings permits LlamaCppArgs, VllmArgs {

    /** The context it was started with (llama.cpp's {@code -c}, vLLM's {@code --max-model-len}), or null. */
    Long contextTokens();
}
