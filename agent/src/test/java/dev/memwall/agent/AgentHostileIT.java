package dev.memwall.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile clients against the packaged agent: slow clients that trickle their headers (slowloris), 10,000 idle
 * connections, oversized headers, malformed methods and paths. /healthz must keep answering within its deadline
 * throughout.
 */
class AgentHostileIT {

    static final long HEALTH_DEADLINE_MILLIS = 2000;

    @TempDir
    Path dir;

    /** A raw request on a fresh connection: the status line and the body. */
    static String[] raw(int port, byte[] request, int timeoutMillis) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = s.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n");
            return new String[] {end < 0 ? text : text.substring(0, end), text.substring(text.indexOf("\r\n\r\n") + 4)};
        }
    }

    /** GET /healthz on a fresh connection; fails unless 200 arrives within the deadline. */
    static void healthy(int port) throws IOException {
        long started = System.nanoTime();
        String[] r = raw(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII), (int) HEALTH_DEADLINE_MILLIS);
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertThat(r[0]).isEqualTo("HTTP/1.1 200 OK");
        assertThat(millis).as("/healthz answered in ms").isLessThan(HEALTH_DEADLINE_MILLIS);
    }

    @Test
    void brokenFramingGetsAJsonErrorAndAClosedConnection() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("POST /api/v1/bench HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n",
                "HTTP/1.1 400 Bad Request");
        cases.put("GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported");
        cases.put("GET /healthz\r\n", "HTTP/1.1 505 HTTP Version Not Supported");
        cases.put("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
                "HTTP/1.1 405 Method Not Allowed");
        cases.put("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HTTP/1.1 426 Upgrade Required");
        try (AgentProcess agent = AgentProcess.start(dir, Map.of(), "--simulate", "h100-sxm")) {
            for (Map.Entry<String, String> c : cases.entrySet()) {
                // raw() reads to the end of the stream: it times out unless the agent closes the connection.
                String[] r = raw(agent.port, c.getKey().getBytes(StandardCharsets.ISO_8859_1), 5000);
                assertThat(r[0]).as(c.getKey()).isEqualTo(c.getValue());
                JsonNode body = new ObjectMapper().readTree(r[1]);
                assertThat(body.get("status").asInt()).as(c.getKey()).isEqualTo(Integer.parseInt(
                        c.getValue().split(" ")[1]));
                assertThat(body.get("error").asText()).as(c.getKey()).isNotBlank();
            }
            healthy(agent.port);
        }
    }

    @Test
    void slowClientsIdleConnectionsAndMalformedRequestsDoNotStarveHealth() throws Exception {
        try (AgentProcess agent = AgentProcess.start(dir, Map.of(), "--simulate", "h100-sxm", "--sample-interval",
                "1s")) {
            int port = agent.port;
            long t0 = System.nanoTime();

            // Slowloris: 200 connections each sending one header line every 250 ms, never finishing.
            List<Socket> slow = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                slow.add(s);
            }
            long end = System.nanoTime() + 5_000_000_000L;
            int round = 0;
            while (System.nanoTime() < end) {
                for (Socket s : slow) {
                    try {
                        s.getOutputStream().write(("X-Slow-" + round + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException closedByServer) {
                        // fine: the server may drop them
                    }
                }
                healthy(port);
                round++;
                Thread.sleep(250);
            }
            for (Socket s : slow) {
                s.close();
            }

            System.out.printf("slowloris phase done at %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            // 10,000 connections that never send a byte.
            List<SocketChannel> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 10_000; i++) {
                    idle.add(SocketChannel.open(new InetSocketAddress("127.0.0.1", port)));
                    if (i % 2000 == 1999) {
                        healthy(port);
                    }
                }
                for (int i = 0; i < 5; i++) {
                    healthy(port);
                    Thread.sleep(200);
                }
            } finally {
                for (SocketChannel c : idle) {
                    c.close();
                }
            }

            System.out.printf("idle phase done at %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            // Oversized headers, malformed methods and paths: an error status, never a hang.
            byte[] big = ("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            String[] r = raw(port, big, 5000);
            assertThat(r[0]).isEqualTo("HTTP/1.1 431 Request Header Fields Too Large");
            assertThat(r[1]).contains("\"status\": 431");
            assertThat(raw(port, "FOO /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII), 5000)[0]).isEqualTo("HTTP/1.1 405 Method Not Allowed");
            for (String bad : List.of("GET ../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
                    "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", "\u0000\u0001garbage\r\n\r\n",
                    "GET / HTTP/9.9\r\n\r\n")) {
                String[] answer = raw(port, bad.getBytes(StandardCharsets.ISO_8859_1), 5000);
                assertThat(answer[0]).as(bad).matches("HTTP/1.1 (4\\d\\d|505) .*");
                assertThat(answer[1]).as(bad).doesNotContain("Exception", "\tat ");
            }
            healthy(port);
            assertThat(agent.process.isAlive()).isTrue();
        }
    }
}
