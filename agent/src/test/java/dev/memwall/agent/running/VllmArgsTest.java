package dev.memwall.agent.running;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** vLLM's memory settings read from its servers' command lines. */
class VllmArgsTest {

    @Test
    void vllmServeWithItsOptionsInBothForms() {
        assertThat(VllmArgs.parse(List.of("/usr/bin/python3", "/usr/local/bin/vllm", "serve",
                "meta-llama/Llama-3.1-8B-Instruct", "--max-model-len", "8192", "--gpu-memory-utilization=0.85", "-tp",
                "2", "--kv-cache-dtype", "fp8", "--dtype=bfloat16", "--max-num-seqs", "64")))
                .isEqualTo(new VllmArgs("meta-llama/Llama-3.1-8B-Instruct", 8192L, 0.85, 2, "fp8", "bfloat16", 64));
        assertThat(VllmArgs.parse(List.of("vllm", "serve", "--model", "Qwen/Qwen3-8B")).model()).isEqualTo("Qwen/Qwen3-8B");
    }

    @Test
    void theOlderApiServerModule() {
        VllmArgs v = VllmArgs.parse(List.of("python3", "-m", "vllm.entrypoints.openai.api_server", "--model",
                "/models/llama", "--tensor-parallel-size", "4"));
        assertThat(v.model()).isEqualTo("/models/llama");
        assertThat(v.tensorParallelSize()).isEqualTo(4);
        assertThat(v.gpuMemoryUtilization()).isNull();
        assertThat(v.contextTokens()).isNull();
    }

    @Test
    void notVllmOrBadValues() {
        assertThat(VllmArgs.parse(List.of("llama-server", "-m", "x.gguf"))).isNull();
        assertThat(VllmArgs.parse(List.of("python3", "serve.py"))).isNull();
        assertThat(VllmArgs.parse(null)).isNull();
        VllmArgs bad = VllmArgs.parse(List.of("vllm", "serve", "m", "--gpu-memory-utilization", "1.5",
                "--max-model-len", "lots", "-tp", "0"));
        assertThat(bad.gpuMemoryUtilization()).isNull();
        assertThat(bad.maxModelLen()).isNull();
        assertThat(bad.tensorParallelSize()).isNull();
    }
}
