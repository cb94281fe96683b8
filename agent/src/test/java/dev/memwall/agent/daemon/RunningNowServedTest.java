package dev.memwall.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memwall.agent.render.Json;
import dev.memwall.agent.render.ProbeJson;
import dev.memwall.agent.render.ProbeTable;
import dev.memwall.agent.running.LlamaCppArgs;
import dev.memwall.agent.running.RunningModel;
import dev.memwall.agent.running.RunningNow;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What is running now, as the probe's table and JSON, the agent's status document and its metrics give it. */
class RunningNowServedTest {

    private static final RunningNow RUNNING = new RunningNow(List.of(
            new RunningModel(4242, "llama-server", "llama.cpp", "/models/qwen3-8b-q4_k_m.gguf", 5_027_783_488L,
                    new LlamaCppArgs(8192L, 0, 1, true, null, null, null, "/models/qwen3-8b-q4_k_m.gguf", true),
                    6_000_000_000L, 5_000_000_000L, 6_400_000_000L, 5_100_000_000L, 700_000_000L,
                    "c0ffee".repeat(10) + "abcd", true, new RunningModel.Decode(12.0, 10.0, 8.0, "opencl:0.0"),
                    List.of("a note\nforged line")),
            new RunningModel(77, "ollama", "llama.cpp", null, null, LlamaCppArgs.NONE, 1_000_000L, null, null, null,
                    null, null, false, null, List.of())),
            List.of(new RunningNow.DeviceUser("nvml:0", 4242, 700_000_000L, "compute", "llama-server",
                            List.of("llama-server", "-c", "8192"),
                            "/models/qwen3-8b-q4_k_m.gguf", null),
                    new RunningNow.DeviceUser("nvml:0", 9, null, "graphics", null, null, null, null)), 3, 120);

    @Test
    void theStatusDocumentTheProbeDocumentTheTableAndTheMetricsCarryIt() throws Exception {
        Snapshot base = JsonDocumentsPropertiesTest.snapshot(40e9, 30e9, 50_000_000_000L);
        Snapshot s = new Snapshot(base.sequence(), base.sampledAt(), base.report(), base.status(), base.capacities(),
                base.host(), base.watched(), base.popular(), base.roofs(), base.errorsTotal(), RUNNING,
                java.util.Map.of("opencl:0.0", java.util.Map.of("llama-3.1-8b", new dev.memwall.agent.running.StopToFit(
                        "opencl:0.0", List.of(RUNNING.deviceProcesses().get(0)), 700_000_000L, true))));

        JsonNode status = new ObjectMapper().readTree(Json.writeCompact(StatusJson.document(s,
                new AgentSettings(new java.net.InetSocketAddress("127.0.0.1", 0), java.time.Duration.ofSeconds(5),
                        java.time.Duration.ZERO, java.time.Duration.ZERO, List.of("llama-3.1-8b"), List.of(), null,
                        0.25, null), "test")));
        JsonNode watched = status.get("devices").get(0).get("models").get(0);
        assertThat(watched.get("stop_to_fit").get("freed_bytes").asLong()).isEqualTo(700_000_000L);
        assertThat(watched.get("stop_to_fit").get("processes").get(0).get("pid").asLong()).isEqualTo(4242);
        assertThat(watched.get("stop_to_fit_words").asText()).isEqualTo("would fit now if pid 4242 (llama-server, "
                + "qwen3-8b-q4_k_m.gguf, 0.65 GiB) stopped: that frees 0.65 GiB");
        JsonNode r = status.get("running");
        assertThat(r.get("processes_unreadable").asInt()).isEqualTo(3);
        assertThat(r.get("processes_examined").asInt()).isEqualTo(120);
        JsonNode m = r.get("models").get(0);
        assertThat(m.get("pid").asLong()).isEqualTo(4242);
        assertThat(m.get("settings").get("context_tokens").asLong()).isEqualTo(8192);
        assertThat(m.get("settings").get("flash_attention").asBoolean()).isTrue();
        assertThat(m.get("predicted_bytes").asLong()).isEqualTo(6_400_000_000L);
        assertThat(m.get("predicted_memory").asText()).isEqualTo("host");
        assertThat(m.get("measured_bytes").asLong()).isEqualTo(6_000_000_000L);
        assertThat(m.get("device_bytes").asLong()).isEqualTo(700_000_000L);
        assertThat(m.get("container_id").asText()).hasSize(64);
        assertThat(m.get("mismatch").asBoolean()).isTrue();
        assertThat(m.get("decode").get("measured_over_expected").asDouble()).isEqualTo(0.8);
        assertThat(m.get("decode").get("bound_tokens_per_second").asDouble()).isEqualTo(12.0);
        assertThat(r.get("models").get(1).get("mismatch").isNull()).isTrue();
        assertThat(r.get("models").get(1).get("model_path").isNull()).isTrue();
        assertThat(r.get("device_processes").get(0).get("used_bytes").asLong()).isEqualTo(700_000_000L);
        assertThat(r.get("device_processes").get(1).get("used_bytes").isNull()).isTrue();
        assertThat(r.get("device_processes").get(0).get("command_line").toString())
                .isEqualTo("[\"llama-server\",\"-c\",\"8192\"]");
        assertThat(r.get("device_processes").get(1).get("command_line").isNull()).isTrue();
        assertThat(r.get("device_processes").get(1).get("kind").asText()).isEqualTo("graphics");
        assertThat(r.get("models").get(1).get("predicted_bytes").isNull()).isTrue();

        JsonNode probe = new ObjectMapper().readTree(Json.writeCompact(ProbeJson.document(s.report(), "test",
                List.of(), RUNNING)));
        assertThat(probe.get("schema").asText()).isEqualTo("memwall.probe.v2");
        assertThat(probe.get("running")).isEqualTo(r);
        assertThat(new ObjectMapper().readTree(Json.writeCompact(ProbeJson.document(s.report(), "test")))
                .get("running").isNull()).isTrue();

        String table = ProbeTable.render(s.report(), List.of(), RUNNING);
        assertThat(table).contains("On the devices", "hidden", "0.65 GiB",
                "4242: decode on opencl:0.0, tokens/s: expected 10.0, bound 12.0, its runtime measured 8.0 (0.80x expected)");
        assertThat(table).contains("Running now", "qwen3-8b-q4_k_m.gguf", "8192", "5.96 GiB", "4242: a note\\nforged line",
                "3 processes' memory maps could not be read");

        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new AgentMetrics(() -> s, null));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExpositionFormats.init().findWriter(null).write(out, registry.scrape());
        String metrics = out.toString(StandardCharsets.UTF_8);
        assertThat(metrics).contains("memwall_loaded_model_memory_bytes{model=\"qwen3-8b-q4_k_m.gguf\",pid=\"4242\","
                + "runtime=\"llama.cpp\",source=\"measured\"} 6.0E9");
        assertThat(metrics).contains("memwall_loaded_model_memory_bytes{model=\"qwen3-8b-q4_k_m.gguf\",pid=\"4242\","
                + "runtime=\"llama.cpp\",source=\"predicted\"} 6.4E9");
        assertThat(metrics).doesNotContain("pid=\"77\"");
        assertThat(metrics).contains("memwall_loaded_model_mismatch{model=\"qwen3-8b-q4_k_m.gguf\",pid=\"4242\","
                + "runtime=\"llama.cpp\"} 1.0");
        assertThat(metrics).contains("memwall_process_device_memory_bytes{device=\"nvml:0\",pid=\"4242\","
                + "process=\"llama-server\"} 7.0E8");
        assertThat(metrics).doesNotContain("pid=\"9\"");
    }
}
