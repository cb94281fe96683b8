package dev.memwall.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.DeviceBackend;
import dev.memwall.device.host.HostMemory;
import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.source.LoadedModel;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The daemon in-process, on scripted devices, over real HTTP on a loopback port. */
class AgentTest {

    static final long GIB = 1L << 30;
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final ObjectMapper JSON = new ObjectMapper();

    Agent agent;

    static AgentSettings settings(Duration sample, String token) {
        return new AgentSettings(new InetSocketAddress("127.0.0.1", 0), sample, Duration.ofHours(6), Duration.ofMinutes(1),
                List.of("llama-3.1-8b", "llama-3.1-70b"), List.of("bf16", "int4"), token, 0.25, "node-a");
    }

    static List<LoadedModel> watched(AgentSettings s) {
        List<LoadedModel> models = new ArrayList<>();
        for (String id : s.watch()) {
            models.add(new LoadedModel(id, "catalog", ModelCatalog.builtIn().find(id).orElseThrow().spec(), null,
                    List.of()));
        }
        return models;
    }

    Agent start(AgentSettings s, DeviceBackend backend, boolean bench) throws Exception {
        return start(s, backend, bench, Ticker.SYSTEM);
    }

    Agent start(AgentSettings s, DeviceBackend backend, boolean bench, Ticker ticker) throws Exception {
        agent = new Agent(s, List.of(backend), watched(s), () -> new HostMemory(64 * GIB, 48 * GIB, "host-a"),
                bench ? BenchmarkSettings.defaults() : null, "test", java.time.Clock.systemUTC(), ticker);
        agent.start();
        return agent;
    }

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.stop(Duration.ofSeconds(3));
        }
    }

    HttpResponse<String> get(String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port() + path))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void probeFitStatusHealthAndMetricsAnswerFromTheSnapshot() throws Exception {
        ScriptedDevice gpu = new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB);
        start(settings(Duration.ofMillis(200), null), ScriptedDevice.backend(gpu), false);
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        assertThat(get("/readyz").statusCode()).isEqualTo(200);

        JsonNode probe = JSON.readTree(get("/api/v1/probe").body());
        assertThat(probe.get("schema").asText()).isEqualTo("memwall.probe.v2");
        assertThat(probe.get("devices").get(0).get("memory").get("free_bytes").asLong()).isEqualTo(20 * GIB);
        // fits[] is the catalog's popular models on each device, the same list `memwall probe` prints.
        assertThat(probe.get("fits")).hasSize(dev.memwall.estimator.fit.PopularFits.MODELS.size());
        assertThat(probe.get("fits").get(0).get("model").asText()).isEqualTo("llama-3.2-3b");
        assertThat(probe.get("fits").get(0).get("state").asText()).isEqualTo("fits_now");

        HttpResponse<String> fit = get("/api/v1/fit?model=llama-3.1-8b&context=4096&batch=2");
        assertThat(fit.statusCode()).isEqualTo(200);
        JsonNode doc = JSON.readTree(fit.body());
        assertThat(doc.get("schema").asText()).isEqualTo("memwall.fit.v1");
        assertThat(doc.get("workload").get("context_tokens").asLong()).isEqualTo(4096);
        assertThat(doc.get("devices").get(0).get("fits_now").asBoolean()).isTrue();
        assertThat(doc.get("devices").get(0).get("available_bytes").asLong()).isEqualTo(20 * GIB);

        JsonNode status = JSON.readTree(get("/api/v1/status").body());
        assertThat(status.get("schema").asText()).isEqualTo("memwall.status.v1");
        assertThat(status.get("node").asText()).isEqualTo("node-a");
        JsonNode model = status.get("devices").get(0).get("models").get(0);
        assertThat(model.get("model").asText()).isEqualTo("llama-3.1-8b");
        assertThat(model.get("roofline").get(0).get("batch").asInt()).isEqualTo(1);

        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(metrics.body())
                .contains("memwall_device_memory_free_bytes{backend=\"scripted\",device=\"scripted:0\",name=\"Scripted "
                        + "GPU scripted:0\",node=\"node-a\"} 2.147483648E10")
                .contains("memwall_model_fits{backend=\"scripted\",device=\"scripted:0\",model=\"llama-3.1-8b\"")
                .contains("memwall_probe_errors_total", "memwall_device_release_failures_total{node=\"node-a\"} 0.0",
                        "jvm_memory_used_bytes", "process_cpu_seconds_total");
        // The watch precisions are exported beside the best one. On 20 GiB free the 70B model fits at neither
        // int4 (70.6B x 4.16 bits is 34 GiB of weights) nor bf16; the 8B model fits at int4.
        assertThat(metrics.body()).containsPattern("memwall_model_fits\\{[^}]*model=\"llama-3.1-70b\",[^}]*"
                + "precision=\"int4\"[^}]*} 0.0")
                .containsPattern("memwall_model_fits\\{[^}]*model=\"llama-3.1-70b\",[^}]*precision=\"bf16\"[^}]*} 0.0")
                .containsPattern("memwall_model_fits\\{[^}]*model=\"llama-3.1-8b\",[^}]*precision=\"int4\"[^}]*} 1.0");
        // OpenMetrics when asked.
        HttpResponse<String> om = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port()
                + "/metrics")).header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(om.headers().firstValue("Content-Type").orElse("")).startsWith("application/openmetrics-text");
        assertThat(om.body()).contains("# UNIT memwall_device_memory_total_bytes bytes").endsWith("# EOF\n");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "GET | /api/v1/fit?model=nope | 404 | unknown model 'nope'",
        "GET | /api/v1/fit?model=llama-3-8 | 404 | unknown model 'llama-3-8'; did you mean",
        "GET | /api/v1/fit | 400 | parameter 'model' is required: a catalog id such as llama-3.1-8b",
        "GET | /api/v1/fit?model=llama-3.1-8b&context=0 | 400 | context must be between 1 and 10000000 tokens, was 0",
        "GET | /api/v1/fit?model=llama-3.1-8b&context=20000000 | 400 | context must be between 1 and 10000000 tokens, was 20000000",
        "GET | /api/v1/fit?model=llama-3.1-8b&context=lots | 400 | parameter 'context' must be a whole number in ASCII digits, was 'lots'",
        "GET | /api/v1/fit?model=llama-3.1-8b&batch=0 | 400 | batch must be between 1 and 100000, was 0",
        "GET | /api/v1/fit?model=llama-3.1-8b&precision=fp3 | 400 | unknown precision 'fp3' for parameter 'precision'",
        "GET | /api/v1/fit?model=llama-3.1-8b&mode=sft | 400 | unknown mode 'sft' for parameter 'mode'",
        "GET | /api/v1/fit?model=llama-3.1-8b&runtime=vllm&kv_precision=q4_0 | 400 | vllm offers no q4_0 KV cache",
        "GET | /api/v1/fit?model=llama-3.1-8b&model=qwen2.5-7b | 400 | parameter 'model' given twice",
        "GET | /api/v1/fit?model=llama-3.1-8b&colour=red | 400 | unknown parameter 'colour'",
        "GET | /api/v1/fit?model=%2Fetc%2Fpasswd | 400 | parameter 'model' takes a catalog id; files are not read over HTTP",
        "GET | /api/v1/fitness | 404 | no such page: /api/v1/fitness",
        "GET | /api/v1/fit/extra | 404 | no such endpoint: /api/v1/fit/extra",
        "GET | /favicon.ico | 404 | no such page: /favicon.ico",
        "POST | /api/v1/fit?model=llama-3.1-8b | 405 | POST is not allowed here; use GET or HEAD",
        "DELETE | /metrics | 405 | DELETE is not allowed here; use GET or HEAD",
        "GET | /api/v1/bench | 405 | GET is not allowed here; use POST",
        "PUT | /api/v1/probe | 405 | PUT is not allowed here; use GET or HEAD"})
    void badRequestsGetAStatusAndOneJsonLine(String method, String path, int status, String message) throws Exception {
        start(settings(Duration.ofMillis(200), null), ScriptedDevice.backend(new ScriptedDevice("scripted:0",
                24 * GIB, 20 * GIB)), false);
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port()
                + path)).method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("error").asText()).startsWith(message);
        assertThat(r.body()).doesNotContain("Exception", "\tat ");
    }

    @Test
    void oversizedQueriesAndBodiesAreRefused() throws Exception {
        start(settings(Duration.ofMillis(200), null), ScriptedDevice.backend(new ScriptedDevice("scripted:0",
                24 * GIB, 20 * GIB)), true);
        HttpResponse<String> q = get("/api/v1/fit?model=" + "a".repeat(3000));
        assertThat(q.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(q.body()).get("error").asText()).isEqualTo("query string of 3006 bytes; at most 2048");
        HttpResponse<String> b = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port()
                + "/api/v1/bench")).POST(HttpRequest.BodyPublishers.ofString("x".repeat(10_000))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(b.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(b.body()).get("error").asText()).isEqualTo("request body of 10000 bytes; at most 4096");
    }

    @Test
    void benchRequestsAreAcceptedThenRefusedWhileRunningAndTooSoon() throws Exception {
        ScriptedDevice a = new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB);
        ScriptedDevice b = new ScriptedDevice("scripted:1", 24 * GIB, 20 * GIB);
        a.benchMillis = 400;
        b.benchMillis = 400;
        FakeTicker ticker = new FakeTicker();
        start(settings(Duration.ofMillis(200), null), ScriptedDevice.backend(a, b), true, ticker);
        // The start-up run is in progress (two devices, 400 ms each, one at a time).
        HttpResponse<String> busy = post("/api/v1/bench", null);
        assertThat(busy.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(busy.body()).get("error").asText()).isEqualTo("a benchmark is already running");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (b.benchmarks.get() == 0 || ScriptedDevice.BENCHMARKS_AT_ONCE.get() > 0) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
        while (agent.requestBenchRunning()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
        // Time passes only when the test says: 59 s after the start-up run it is still too soon.
        ticker.advance(Duration.ofSeconds(59));
        HttpResponse<String> soon = post("/api/v1/bench", null);
        assertThat(soon.statusCode()).isEqualTo(429);
        assertThat(soon.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(JSON.readTree(soon.body()).get("error").asText())
                .isEqualTo("a benchmark ran less than 1m ago; try again in 1 s");
        ticker.advance(Duration.ofSeconds(1));
        assertThat(post("/api/v1/bench", null).statusCode()).isEqualTo(202);
        assertThat(ScriptedDevice.MOST_AT_ONCE.get()).isEqualTo(1);
    }

    @Test
    void beyondLoopbackWithoutATokenPostIsRefused() throws Exception {
        AgentSettings s = new AgentSettings(new InetSocketAddress("0.0.0.0", 0), Duration.ofMillis(200),
                Duration.ofHours(6), Duration.ZERO, List.of("llama-3.1-8b"), List.of(), null, 0.25, null);
        assertThat(s.postAllowed()).isFalse();
        start(s, ScriptedDevice.backend(new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB)), true);
        HttpResponse<String> r = post("/api/v1/bench", null);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(r.body()).get("error").asText())
                .isEqualTo("this agent listens beyond loopback without --token-file, so it takes no POST");
        assertThat(get("/api/v1/probe").statusCode()).isEqualTo(200);
    }

    @Test
    void aZeroBenchIntervalMeasuresOnlyWhenAsked() throws Exception {
        AgentSettings s = new AgentSettings(new InetSocketAddress("127.0.0.1", 0), Duration.ofMillis(200),
                Duration.ZERO, Duration.ofMinutes(1), List.of("llama-3.1-8b"), List.of(), null, 0.25, null);
        ScriptedDevice a = new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB);
        a.benchMillis = 1;
        start(s, ScriptedDevice.backend(a), true);
        // With a zero interval nothing is scheduled or queued at start.
        assertThat(agent.requestBenchRunning()).isFalse();
        assertThat(a.benchmarks.get()).isZero();
        assertThat(JSON.readTree(get("/api/v1/status").body()).get("devices").get(0).get("bandwidth")
                .get("bench_state").asText()).isEqualTo("pending");
        assertThat(post("/api/v1/bench", null).statusCode()).isEqualTo(202);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (a.benchmarks.get() == 0) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void noBenchRefusesRequests() throws Exception {
        start(settings(Duration.ofMillis(200), null), ScriptedDevice.backend(new ScriptedDevice("scripted:0",
                24 * GIB, 20 * GIB)), false);
        HttpResponse<String> r = post("/api/v1/bench", null);
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("benchmarks are off in this agent (--no-bench)");
    }

    @Test
    void aTokenGuardsPost() throws Exception {
        AgentSettings s = new AgentSettings(new InetSocketAddress("127.0.0.1", 0), Duration.ofMillis(200),
                Duration.ofHours(6), Duration.ZERO, List.of("llama-3.1-8b"), List.of(), "s3cret", 0.25, null);
        ScriptedDevice a = new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB);
        a.benchMillis = 1;
        start(s, ScriptedDevice.backend(a), true);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (a.benchmarks.get() == 0 || agent.requestBenchRunning()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
        HttpResponse<String> none = post("/api/v1/bench", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(post("/api/v1/bench", "wrong").statusCode()).isEqualTo(401);
        assertThat(post("/api/v1/bench", "s3cret").statusCode()).isEqualTo(202);
        // Reads need no token.
        assertThat(get("/api/v1/probe").statusCode()).isEqualTo(200);
    }

    @Test
    void aFailingDeviceIsMarkedFailedWhileTheOthersReport() throws Exception {
        // The backoff itself is driven by a fake ticker in SamplerTest; here, what the surfaces say at once.
        ScriptedDevice good = new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB);
        ScriptedDevice bad = new ScriptedDevice("scripted:1", 24 * GIB, 20 * GIB);
        bad.failing = true;
        start(settings(Duration.ofMillis(100), null), ScriptedDevice.backend(good, bad), false, new FakeTicker());
        JsonNode status = JSON.readTree(get("/api/v1/status").body());
        JsonNode failed = status.get("devices").get(1);
        assertThat(failed.get("state").asText()).isEqualTo("failed");
        assertThat(failed.get("error").asText()).isEqualTo("the device fell off the bus (scripted); retrying in 1s");
        // A device whose memory could not be read has no verdict but "unknown", with the reason.
        assertThat(failed.get("models").get(0).get("state").asText()).isEqualTo("unknown");
        assertThat(failed.get("models").get(0).get("reason").asText())
                .startsWith("the device's memory could not be read: the device fell off the bus (scripted)");
        assertThat(status.get("devices").get(0).get("state").asText()).isEqualTo("ok");
        assertThat(get("/metrics").body()).contains("memwall_device_up{backend=\"scripted\",device=\"scripted:1\"")
                .containsPattern("memwall_probe_errors_total\\{node=\"node-a\"} [1-9][0-9]*\\.0");
        assertThat(good.contextReads.get() + bad.contextReads.get()).isZero();
    }

    @Test
    void manyClientsNeverCauseMoreReadingsThanTheInterval() throws Exception {
        ScriptedDevice gpu = new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB);
        start(settings(Duration.ofMillis(500), null), ScriptedDevice.backend(gpu), false);
        int before = gpu.reads.get();
        long started = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String path = i % 3 == 0 ? "/metrics" : i % 3 == 1 ? "/api/v1/probe" : "/api/v1/status";
            all.add(CLIENT.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port() + path))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : all) {
            assertThat(f.get().statusCode()).isEqualTo(200);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        int readings = gpu.reads.get() - before;
        assertThat(readings).isLessThanOrEqualTo((int) Math.ceil(seconds / 0.5) + 1);
    }

    @Test
    void busyDevicesAreSkippedAndSaySo() throws Exception {
        ScriptedDevice full = new ScriptedDevice("scripted:0", 24 * GIB, 2 * GIB);
        ScriptedDevice crowded = new ScriptedDevice("scripted:1", 24 * GIB, 20 * GIB);
        crowded.processes = 2;
        ScriptedDevice idle = new ScriptedDevice("scripted:2", 24 * GIB, 20 * GIB);
        start(settings(Duration.ofMillis(200), null), ScriptedDevice.backend(full, crowded, idle), true);
        long deadline = System.nanoTime() + 5_000_000_000L;
        // Until a snapshot taken after the run shows it.
        while (!JSON.readTree(get("/api/v1/status").body()).get("devices").get(2).get("bandwidth").get("bench_state")
                .asText().equals("idle")) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(full.benchmarks.get()).isZero();
        assertThat(crowded.benchmarks.get()).isZero();
        JsonNode devices = JSON.readTree(get("/api/v1/status").body()).get("devices");
        assertThat(devices.get(0).get("bandwidth").get("bench_state").asText()).isEqualTo("skipped");
        assertThat(devices.get(0).get("bandwidth").get("bench_note").asText())
                .isEqualTo("busy: 2.00 GiB free of 24.00 GiB (under 25%)");
        assertThat(devices.get(1).get("bandwidth").get("bench_note").asText()).isEqualTo("busy: 2 other processes on it");
        assertThat(devices.get(2).get("bandwidth").get("bench_state").asText()).isEqualTo("idle");
        assertThat(devices.get(2).get("bandwidth").get("measured").asBoolean()).isTrue();
    }

    @Test
    void readinessWaitsForTheFirstSnapshotWhileHealthAnswersAtOnce() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ScriptedDevice gpu = new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB);
        DeviceBackend slow = new DeviceBackend() {
            @Override
            public String id() {
                return "slow";
            }

            @Override
            public int priority() {
                return 0;
            }

            @Override
            public dev.memwall.device.Availability availability() {
                return dev.memwall.device.Availability.yes();
            }

            @Override
            public List<dev.memwall.device.Device> devices() {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return List.of(gpu);
            }
        };
        AgentSettings s = settings(Duration.ofMillis(200), null);
        agent = new Agent(s, List.of(slow), watched(s), () -> new HostMemory(64 * GIB, 48 * GIB, "host-a"), null,
                "test");
        CompletableFuture<Void> starting = CompletableFuture.runAsync(() -> {
            try {
                agent.start();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        long deadline = System.nanoTime() + 5_000_000_000L;
        HttpResponse<String> health = null;
        while (health == null) {
            try {
                health = get("/healthz");
            } catch (IllegalStateException | java.io.IOException e) {
                // the server is not bound yet (port() is 0 until start binds it)
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(20);
            }
        }
        assertThat(health.statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(ready.body()).get("error").asText()).isEqualTo("no reading yet: the agent is starting");
        assertThat(get("/api/v1/probe").statusCode()).isEqualTo(503);
        assertThat(get("/metrics").statusCode()).isEqualTo(200);
        release.countDown();
        starting.get();
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
    }

    @Test
    void stopReleasesEveryDevice() throws Exception {
        ScriptedDevice a = new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB);
        start(settings(Duration.ofMillis(200), null), ScriptedDevice.backend(a), true);
        agent.stop(Duration.ofSeconds(3));
        agent = null;
        assertThat(a.closes.get()).isEqualTo(1);
    }
}
