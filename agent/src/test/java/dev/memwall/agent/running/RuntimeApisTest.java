package dev.memwall.agent.running;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.spi.JettyHttpServer;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each runtime's recorded answers (see src/test/resources/runtime-apis/SOURCES.md) replayed by a loopback server, and
 * endpoints that misbehave.
 */
class RuntimeApisTest {

    private final List<HttpServer> servers = new ArrayList<>();
    private final RuntimeApis apis = new RuntimeApis();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    @Test
    void ollamaPsIsReadAsRecorded() {
        RuntimeReading r = one(RuntimeEndpoint.OLLAMA, Map.of("/api/ps", file("ollama-ps.json")));

        assertThat(r.error()).isNull();
        assertThat(r.runtime()).isEqualTo("ollama");
        assertThat(r.models()).containsExactly(new LoadedRuntimeModel("mistral:latest", "mistral:latest",
                5137025024L, 5137025024L, null, "7.2B", "Q4_0", "2024-06-04T14:38:31.83753-07:00", null, null));
    }

    @Test
    void ollamaContextLengthIsReadWhereGiven() {
        // context_length and a partial offload (size_vram below size), the fields of ProcessModelResponse.
        String body = "{\"models\":[{\"name\":\"llama3.2:3b\",\"model\":\"llama3.2:3b\",\"size\":4000000000,"
                + "\"size_vram\":2500000000,\"context_length\":8192,\"details\":{}}]}";
        RuntimeReading r = one(RuntimeEndpoint.OLLAMA, Map.of("/api/ps", ok(body)));

        assertThat(r.models()).singleElement().satisfies(m -> {
            assertThat(m.sizeBytes()).isEqualTo(4_000_000_000L);
            assertThat(m.deviceBytes()).isEqualTo(2_500_000_000L);
            assertThat(m.contextTokens()).isEqualTo(8192L);
            assertThat(m.quantization()).isNull();
        });
    }

    @Test
    void llamaServerPropsSlotsAndMetricsAreReadAsRecorded() {
        RuntimeReading r = one(RuntimeEndpoint.LLAMA_CPP, Map.of("/props", file("llama-props.json"),
                "/slots", file("llama-slots.json"), "/metrics", file("llama-metrics.txt")));

        assertThat(r.error()).isNull();
        assertThat(r.notes()).isEmpty();
        assertThat(r.models()).containsExactly(new LoadedRuntimeModel(
                "../models/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", "../models/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
                null, null, 1024L, null, null, null, 1, 2));
        assertThat(r.generationTokensPerSecond()).isEqualTo(37.5);
        assertThat(r.promptTokensPerSecond()).isEqualTo(1638.4);
        assertThat(r.generationTokensTotal()).isEqualTo(1500.0);
        assertThat(r.requestsRunning()).isEqualTo(2);
        assertThat(r.kvCache().usedFraction()).isNull(); // not in the recorded metrics
    }

    @Test
    void llamaServerWithoutMetricsStillReportsItsModel() {
        RuntimeReading r = one(RuntimeEndpoint.LLAMA_CPP, Map.of("/props", file("llama-props.json"),
                "/slots", status(501, "{\"error\":{\"code\":501,\"message\":\"This server does not support slots\"}}"),
                "/metrics", status(501, "{\"error\":{\"code\":501,\"message\":\"metrics are disabled\"}}")));

        assertThat(r.error()).isNull();
        assertThat(r.models()).singleElement().satisfies(m -> {
            assertThat(m.contextTokens()).isEqualTo(1024L);
            assertThat(m.slots()).isEqualTo(1);
            assertThat(m.slotsProcessing()).isNull();
        });
        assertThat(r.generationTokensPerSecond()).isNull();
        assertThat(r.notes()).containsExactly("GET /slots: answered 501",
                "GET /metrics: answered 501 (llama-server exports metrics only with --metrics)");
    }

    @Test
    void vllmMetricsAndModelsAreReadAsRecorded() {
        RuntimeReading r = one(RuntimeEndpoint.VLLM, Map.of("/metrics", file("vllm-metrics.txt"),
                "/v1/models", file("vllm-models.json")));

        assertThat(r.error()).isNull();
        assertThat(r.notes()).isEmpty();
        assertThat(r.models()).containsExactly(new LoadedRuntimeModel("meta-llama/Llama-3.1-8B-Instruct",
                "meta-llama/Llama-3.1-8B-Instruct", null, null, 131072L, null, null, null, null, null));
        assertThat(r.requestsRunning()).isEqualTo(3);
        assertThat(r.generationTokensTotal()).isEqualTo(52311.0);
        assertThat(r.generationTokensPerSecond()).isNull(); // a rate needs two readings
        assertThat(r.kvCache()).isEqualTo(new KvCacheReading(0.125, 27893L, 16L, "auto", 0.9));
        assertThat(r.kvCache().capacityTokens()).isEqualTo(27893L * 16);
    }

    @Test
    void vllmWithoutItsModelListNamesTheModelFromTheMetricsLabels() {
        RuntimeReading r = one(RuntimeEndpoint.VLLM, Map.of("/metrics", file("vllm-metrics.txt"),
                "/v1/models", status(404, "")));

        assertThat(r.models()).extracting(LoadedRuntimeModel::name)
                .containsExactly("meta-llama/Llama-3.1-8B-Instruct");
        assertThat(r.notes()).containsExactly("GET /v1/models: answered 404");
    }

    @Test
    void aRateComesFromTwoReadingsOfTheCounter() {
        assertThat(RuntimeReading.tokensPerSecond(52311.0, 52811.0, 2_000_000_000L)).isCloseTo(250.0,
                within(1e-9));
        assertThat(RuntimeReading.tokensPerSecond(52311.0, 10.0, 2_000_000_000L)).isNull(); // restarted
        assertThat(RuntimeReading.tokensPerSecond(null, 10.0, 2_000_000_000L)).isNull();
        assertThat(RuntimeReading.tokensPerSecond(1.0, 10.0, 0)).isNull();
    }

    @Test
    void aUrlTheUserGaveIsRecognisedByWhatAnswers() {
        URI vllm = serve(Map.of("/metrics", file("vllm-metrics.txt"), "/v1/models", file("vllm-models.json")));
        URI llama = serve(Map.of("/props", file("llama-props.json"), "/slots", file("llama-slots.json")));
        URI ollama = serve(Map.of("/api/ps", file("ollama-ps.json")));
        URI other = serve(Map.of("/metrics", ok("http_requests_total 3\n")));

        List<RuntimeReading> r = apis.read(List.of(new RuntimeEndpoint(null, vllm),
                new RuntimeEndpoint(null, llama), new RuntimeEndpoint(null, ollama), new RuntimeEndpoint(null, other)));

        assertThat(r).extracting(RuntimeReading::runtime).containsExactly("vllm", "llama.cpp", "ollama", null);
        assertThat(r.get(3).error()).isEqualTo("no runtime recognised: ollama: GET /api/ps: answered 404; "
                + "llama.cpp: GET /props: answered 404; vllm: GET /metrics: no vllm: series (not vLLM's metrics)");
    }

    // --- hostile endpoints ----------------------------------------------------------------------------------------

    @Test
    void aHugeBodyIsCutAtTheCapAndNotReadFurther() {
        long sent = 64L << 20;
        AtomicLong written = new AtomicLong();
        HttpHandler huge = ex -> {
            ex.sendResponseHeaders(200, 0); // chunked: no length declared, so the cap is met while reading
            byte[] block = new byte[64 << 10];
            Arrays.fill(block, (byte) ' ');
            try (OutputStream out = ex.getResponseBody()) {
                for (long n = 0; n < sent; n += block.length) {
                    out.write(block);
                    written.addAndGet(block.length);
                }
            } catch (IOException closedByTheClient) {
                // expected: memwall stops reading
            }
        };
        RuntimeReading r = one(RuntimeEndpoint.OLLAMA, Map.of("/api/ps", huge));

        assertThat(r.error()).isEqualTo("GET /api/ps: body larger than 1 MiB (not read further)");
        assertThat(written.get()).isLessThan(sent);
    }

    @Test
    void aBodyDeclaredLargerThanTheCapIsNotRead() {
        HttpHandler declared = ex -> {
            ex.sendResponseHeaders(200, 8L << 20);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(new byte[1024]);
            } catch (IOException closedByTheClient) {
                // expected
            }
        };
        RuntimeReading r = one(RuntimeEndpoint.VLLM, Map.of("/metrics", declared, "/v1/models",
                file("vllm-models.json")));

        assertThat(r.error()).isEqualTo("GET /metrics: body larger than 1 MiB (not read further)");
    }

    @Test
    void slowEndpointsCostAtMostTheDeadlineAndTheOthersAreStillRead() {
        HttpHandler slowHead = ex -> sleep(3000);
        HttpHandler slowBody = ex -> {
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                out.write('{');
                out.flush();
                sleep(3000);
            } catch (IOException ignored) {
                // the client gave up
            }
        };
        URI ollama = serve(Map.of("/api/ps", file("ollama-ps.json")));
        URI headLate = serve(Map.of("/props", slowHead, "/slots", slowHead, "/metrics", slowHead));
        URI bodyLate = serve(Map.of("/metrics", slowBody, "/v1/models", slowBody));
        URI refused = closedPort();

        long start = System.nanoTime();
        List<RuntimeReading> r = apis.read(List.of(new RuntimeEndpoint(RuntimeEndpoint.OLLAMA, ollama),
                new RuntimeEndpoint(RuntimeEndpoint.LLAMA_CPP, headLate),
                new RuntimeEndpoint(RuntimeEndpoint.VLLM, bodyLate),
                new RuntimeEndpoint(RuntimeEndpoint.OLLAMA, refused)));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(elapsedMillis).isLessThan(1500);
        assertThat(r.get(0).models()).hasSize(1);
        assertThat(r.get(1).error()).isEqualTo("GET /props: no answer within 700 ms");
        assertThat(r.get(2).error()).isEqualTo("GET /metrics: no answer within 700 ms");
        assertThat(r.get(3).error()).isEqualTo("GET /api/ps: " + RuntimeApis.NOTHING_LISTENS);
    }

    @Test
    void aRedirectIsNotFollowed() {
        URI target = serve(Map.of("/api/ps", file("ollama-ps.json")));
        HttpHandler redirect = ex -> {
            ex.getResponseHeaders().add("Location", target + "/api/ps");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        };
        RuntimeReading r = one(RuntimeEndpoint.OLLAMA, Map.of("/api/ps", redirect));

        assertThat(r.error()).isEqualTo("GET /api/ps: answered 302 (a redirect: not followed)");
        assertThat(r.models()).isEmpty();
    }

    @Test
    void aServerErrorIsOneLine() {
        RuntimeReading r = one(RuntimeEndpoint.OLLAMA, Map.of("/api/ps", status(500, "internal error")));

        assertThat(r.error()).isEqualTo("GET /api/ps: answered 500");
    }

    @Test
    void invalidJsonIsOneLineWithItsByteOffset() {
        RuntimeReading cut = one(RuntimeEndpoint.OLLAMA, Map.of("/api/ps", ok("{\"models\": [")));
        RuntimeReading smuggled = one(RuntimeEndpoint.OLLAMA, Map.of("/api/ps", ok("{\"models\":[]},\"x\":1")));
        RuntimeReading notObject = one(RuntimeEndpoint.OLLAMA, Map.of("/api/ps", ok("[1,2]")));

        assertThat(cut.error()).startsWith("GET /api/ps: byte ").contains("is not valid JSON").doesNotContain("\n");
        assertThat(smuggled.error()).isEqualTo("GET /api/ps: is not valid JSON: more than one value");
        assertThat(notObject.error()).isEqualTo("GET /api/ps: no 'models' list in the answer (not Ollama's API)");
    }

    @Test
    void garbageMetricsLinesAreSkippedAndTheRestRead() {
        String metrics = "llamacpp:predicted_tokens_seconds 37.5\n"
                + "\u0000\u0001 binary junk\n"
                + "llamacpp:requests_processing{unterminated=\"x} 9\n"
                + "llamacpp:prompt_tokens_seconds NaN\n"
                + "llamacpp:tokens_predicted_total 0x10\n"
                + "<html>not metrics</html>\n";
        RuntimeReading r = one(RuntimeEndpoint.LLAMA_CPP, Map.of("/props", file("llama-props.json"),
                "/slots", file("llama-slots.json"), "/metrics", ok(metrics)));

        assertThat(r.generationTokensPerSecond()).isEqualTo(37.5);
        assertThat(r.promptTokensPerSecond()).isNull(); // NaN is no rate
        assertThat(r.generationTokensTotal()).isNull();
        assertThat(r.requestsRunning()).isNull();
        assertThat(r.notes()).containsExactly("GET /metrics: 4 lines skipped (not Prometheus samples)");
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    private RuntimeReading one(String runtime, Map<String, HttpHandler> paths) {
        return apis.read(List.of(new RuntimeEndpoint(runtime, serve(paths)))).get(0);
    }

    private URI serve(Map<String, HttpHandler> paths) {
        try {
            // Jetty behind the JDK's HttpServer API, as the agent runs it (it is what HttpServer.create gives here).
            QueuedThreadPool threads = new QueuedThreadPool(16, 2, 60_000);
            threads.setDaemon(true);
            Server jetty = new Server(threads);
            jetty.setHandler(new ContextHandlerCollection());
            JettyHttpServer server = new JettyHttpServer(jetty, false);
            server.bind(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", ex -> {
                HttpHandler h = paths.get(ex.getRequestURI().getPath());
                try (InputStream ignored = ex.getRequestBody()) {
                    if (h == null) {
                        status(404, "not found").handle(ex);
                    } else {
                        h.handle(ex);
                    }
                }
            });
            server.start();
            servers.add(server);
            return URI.create("http://127.0.0.1:" + port(jetty));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The port bound (the HttpServer's own address keeps the 0 it was given). */
    private static int port(Server jetty) {
        for (Connector c : jetty.getConnectors()) {
            if (c instanceof ServerConnector && ((ServerConnector) c).getLocalPort() > 0) {
                return ((ServerConnector) c).getLocalPort();
            }
        }
        throw new IllegalStateException("no port bound");
    }

    private static URI closedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + s.getLocalPort());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpHandler file(String name) {
        try (InputStream in = RuntimeApisTest.class.getResourceAsStream("/runtime-apis/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no test resource runtime-apis/" + name);
            }
            return bytes(200, in.readAllBytes());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpHandler ok(String body) {
        return status(200, body);
    }

    private static HttpHandler status(int status, String body) {
        return bytes(status, body.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpHandler bytes(int status, byte[] body) {
        return ex -> {
            ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            } catch (IOException ignored) {
                // the client may stop reading
            }
        };
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
