package dev.memwall.agent.running;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.memwall.agent.cli.Main;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code memwall probe --runtime-url}: a llama-server answering on loopback (its responses as recorded in
 * runtime-apis/, see SOURCES.md) is in the probe's JSON and table; a URL where nothing listens is said in one line;
 * a bad URL is bad input.
 */
class RuntimesInProbeTest {

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private String llamaServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        Map<String, String> files = Map.of("/props", "llama-props.json", "/slots", "llama-slots.json", "/metrics",
                "llama-metrics.txt");
        server.createContext("/", ex -> {
            String file = files.get(ex.getRequestURI().getPath());
            byte[] body;
            try (InputStream in = file == null ? null : RuntimesInProbeTest.class.getResourceAsStream(
                    "/runtime-apis/" + file)) {
                body = in == null ? "not found".getBytes() : in.readAllBytes();
            }
            ex.sendResponseHeaders(file == null ? 404 : 200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    /** The probe document's reading of this URL, or null. */
    private static JsonNode reading(String probeJson, String url) throws Exception {
        for (JsonNode n : new ObjectMapper().readTree(probeJson).get("running").get("runtimes")) {
            if (n.get("url").asText().equals(url)) {
                return n;
            }
        }
        return null;
    }

    @Test
    void aLlamaServerOnLoopbackIsInTheProbe() throws Exception {
        String url = llamaServer();
        String[] r = run("probe", "--simulate", "h100-sxm", "--no-bench", "--json", "--runtime-url", url);
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode mine = reading(r[1], url);
        assertThat(mine).as("%s", r[1]).isNotNull();
        assertThat(mine.get("runtime").asText()).isEqualTo("llama.cpp");
        assertThat(mine.get("error").isNull()).isTrue();
        assertThat(mine.get("generation_tokens_per_second").asDouble()).isEqualTo(37.5);
        assertThat(mine.get("models").get(0).get("model_path").asText())
                .isEqualTo("../models/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf");
        assertThat(mine.get("models").get(0).get("context_tokens").asLong()).isEqualTo(1024);

        String[] table = run("probe", "--simulate", "h100-sxm", "--no-bench", "--runtime-url", url);
        assertThat(table[1]).contains("Runtime APIs answering:", url + " (llama.cpp): ",
                "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf, context 1024; generating 37.5 tokens/s");
    }

    @Test
    void aGivenUrlWhereNothingListensIsOneLineAndABadUrlIsBadInput() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;
        String[] r = run("probe", "--simulate", "h100-sxm", "--no-bench", "--json", "--runtime-url", url);
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode mine = reading(r[1], url);
        assertThat(Objects.requireNonNull(mine).get("error").asText()).contains("nothing answers at " + url);

        String[] bad = run("probe", "--simulate", "h100-sxm", "--no-bench", "--runtime-url", "ftp://x:1");
        assertThat(bad[0]).isEqualTo("2");
        assertThat(bad[2]).startsWith("memwall: --runtime-url: ").doesNotContain("\n\tat ");
    }
}
