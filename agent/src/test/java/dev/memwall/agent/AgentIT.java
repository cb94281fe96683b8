package dev.memwall.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memwall.device.testing.SystemParts;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged agent as a daemon: metrics linted by promtool, scraped by a real Prometheus, and SIGTERM. */
class AgentIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static boolean onPath(String command) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Paths.get(d, command))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void promtoolFindsNothingToSayAboutTheMetrics() throws Exception {
        SystemParts.require(onPath("promtool"), "promtool", "apt-get install prometheus");
        try (AgentProcess agent = AgentProcess.start(dir, Map.of(), "--simulate", "h100-sxm", "--simulate",
                "rtx-4090", "--sample-interval", "1s")) {
            String metrics = agent.get("/metrics").body();
            Path file = dir.resolve("metrics.txt");
            Files.writeString(file, metrics);
            Process p = new ProcessBuilder("promtool", "check", "metrics").redirectInput(file.toFile())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).isEmpty();
            assertThat(metrics).contains("memwall_device_memory_total_bytes{", "memwall_model_fits{",
                    "memwall_probe_errors_total", "process_resident_memory_bytes");
        }
    }

    @Test
    void aRealPrometheusScrapesTheAgentAndAnswersQueries() throws Exception {
        SystemParts.require(onPath("prometheus"), "prometheus", "apt-get install prometheus");
        try (AgentProcess agent = AgentProcess.start(dir, Map.of(), "--simulate", "h100-sxm:free=60GiB",
                "--sample-interval", "1s", "--node", "ci-node")) {
            int promPort = AgentProcess.freePort();
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n"
                    + "scrape_configs:\n  - job_name: memwall\n    static_configs: [{targets: ['127.0.0.1:"
                    + agent.port + "']}]\n");
            Process prometheus = new ProcessBuilder("prometheus", "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort,
                    "--log.level=warn").redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile())
                    .start();
            try {
                JsonNode free = query(promPort, "memwall_device_memory_free_bytes{device=\"sim:0\",node=\"ci-node\"}");
                assertThat(free.get("value").get(1).asText()).isEqualTo(String.valueOf(60L << 30));
                JsonNode fits = query(promPort, "memwall_model_fits{device=\"sim:0\",model=\"llama-3.1-8b\"}");
                assertThat(fits.get("value").get(1).asText()).isEqualTo("1");
                assertThat(fits.get("metric").get("precision").asText()).isEqualTo("bf16");
                JsonNode up = query(promPort, "up{job=\"memwall\"}");
                assertThat(up.get("value").get(1).asText()).isEqualTo("1");
            } finally {
                prometheus.destroy();
                prometheus.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The first series a PromQL query returns, waiting (Prometheus discovers targets after about 5 s). */
    private static JsonNode query(int port, String promql) throws Exception {
        String url = "http://127.0.0.1:" + port + "/api/v1/query?query=" + URLEncoder.encode(promql,
                StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + 30_000_000_000L;
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = AgentProcess.CLIENT.send(HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.ofString());
                last = r.body();
                JsonNode result = JSON.readTree(r.body()).path("data").path("result");
                if (result.size() > 0) {
                    return result.get(0);
                }
            } catch (java.io.IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Prometheus had no answer to " + promql + " within 30 s: " + last);
    }

    @Test
    void sigtermStopsTheAgentWithExitZeroWithinFiveSeconds() throws Exception {
        // NODE_NAME (the Kubernetes downward API) labels the series.
        try (AgentProcess agent = AgentProcess.start(dir, Map.of("NODE_NAME", "gpu-node-7"), "--simulate", "h100-sxm",
                "--sample-interval", "1s")) {
            assertThat(agent.get("/metrics").body()).contains("memwall_device_memory_total_bytes{backend=\"simulated\","
                    + "device=\"sim:0\",name=\"NVIDIA H100 SXM5 80GB\",node=\"gpu-node-7\"}");
            assertThat(agent.log()).contains("node from NODE_NAME");
            long[] exit = agent.terminate(10);
            assertThat(exit[0]).as(agent.log()).isZero();
            assertThat(exit[1]).isLessThan(5000);
            assertThat(agent.log()).contains("stopping", "stopped; devices released");
        }
    }

    @Test
    void jsonLogsAreOneObjectPerLine() throws Exception {
        try (AgentProcess agent = AgentProcess.start(dir, Map.of("MEMWALL_LOG_FORMAT", "json"), "--simulate",
                "h100-sxm")) {
            agent.terminate(10);
            List<String> lines = agent.log().lines().filter(l -> !l.isBlank()).toList();
            assertThat(lines).isNotEmpty();
            for (String line : lines) {
                JsonNode event = JSON.readTree(line);
                assertThat(event.has("level")).as(line).isTrue();
                assertThat(event.has("formattedMessage")).as(line).isTrue();
            }
            assertThat(agent.log()).contains("log-format from MEMWALL_LOG_FORMAT");
        }
    }
}
