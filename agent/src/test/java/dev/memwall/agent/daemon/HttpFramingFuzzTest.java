package dev.memwall.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memwall.device.host.HostMemory;
import dev.memwall.estimator.testing.Fuzz;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Raw HTTP framing under mutation, against the daemon in-process: the broken requests an adversarial run found
 * (a chunk size that is not hex, HTTP/9.9 and HTTP/0.9, CONNECT, an HTTP/2 preface) and their neighbours
 * (Content-Length and Transfer-Encoding together, short bodies, huge or negative lengths, bare line feeds, folded
 * headers, pipelining) are the seeds, mutated byte by byte. Each request is sent, the client's side shut, and the
 * answer read to the end of the stream: the agent must answer or close within five seconds, never with a 5xx but
 * 505, and every error it answers has a JSON body with its status and a message. /healthz must answer throughout.
 */
class HttpFramingFuzzTest {

    private static final int CASES = Fuzz.cases(600);
    private static final int DEADLINE_MILLIS = 5000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3}) [^\r\n]*");
    private static final String[] SEEDS = {
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /api/v1/bench HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n",
        "POST /api/v1/bench HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "POST /api/v1/bench HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\nab\r\n",
        "POST /api/v1/bench HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=\"x\r\nhello\r\n0\r\n\r\n",
        "POST /api/v1/bench HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n",
        "POST /api/v1/bench HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab",
        "POST /api/v1/bench HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET /healthz\r\n",
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "GET /api/v1/fit?model=llama-3.1-8b&context=4096 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /healthz HTTP/1.1\r\n Host: x\r\n\r\n",
        "GET /healthz HTTP/1.1\nHost: x\n\n",
        "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/probe HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /api/v1/status HTTP/1.0\r\n\r\n",
    };
    private static final byte[] SPECIAL = {'\r', '\n', 0, ' ', ':', ';', '\t', '-', '9', 'F', (byte) 0x80,
        (byte) 0xff};

    private Agent agent;

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.stop(Duration.ofSeconds(3));
        }
    }

    @Test
    void brokenFramingIsAnsweredWithAJsonErrorOrClosedNeverA5xxOrAHang() throws Exception {
        AgentSettings settings = AgentTest.settings(Duration.ofSeconds(1), "secret");
        agent = new Agent(settings, List.of(ScriptedDevice.backend(new ScriptedDevice("scripted:0", 24L << 30,
                20L << 30))), AgentTest.watched(settings), () -> new HostMemory(64L << 30, 48L << 30, "host-a"), null,
                "test", java.time.Clock.systemUTC(), Ticker.SYSTEM);
        agent.start();
        Random r = new Random(0xf4a3);
        List<String> failures = new ArrayList<>();
        int answered = 0;
        int errors = 0;
        for (int i = 0; i < CASES && failures.size() < 5; i++) {
            byte[] request = i < SEEDS.length ? SEEDS[i].getBytes(StandardCharsets.ISO_8859_1)
                    : mutate(SEEDS[r.nextInt(SEEDS.length)].getBytes(StandardCharsets.ISO_8859_1), r);
            String shown = printable(request);
            try {
                String problem = check(request);
                if (problem != null) {
                    failures.add(shown + ": " + problem);
                }
            } catch (SocketTimeoutException e) {
                failures.add(shown + ": neither answered nor closed within " + DEADLINE_MILLIS + " ms");
            }
            if (lastStatus > 0) {
                answered++;
                errors += lastStatus >= 400 ? 1 : 0;
            }
            if (i % 100 == 99) {
                assertThat(healthStatus()).as("/healthz after case " + i).isEqualTo(200);
            }
        }
        assertThat(failures).isEmpty();
        assertThat(healthStatus()).isEqualTo(200);
        System.out.printf("HTTP framing fuzz: %d requests, %d answered (%d errors with JSON bodies), the rest closed%n",
                CASES, answered, errors);
        assertThat(answered).as("requests answered").isGreaterThan(CASES / 2);
        assertThat(errors).as("error answers").isGreaterThan(CASES / 10);
    }

    private int lastStatus;

    /** Sends one request and checks the first answer; null when it is acceptable, else what is wrong. */
    private String check(byte[] request) throws IOException {
        lastStatus = 0;
        long started = System.nanoTime();
        byte[] answer;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", agent.port()), DEADLINE_MILLIS);
            s.setSoTimeout(DEADLINE_MILLIS);
            try {
                s.getOutputStream().write(request);
                s.shutdownOutput();
            } catch (IOException closedWhileWriting) {
                // the agent may refuse and close before the request is written in full
            }
            answer = readToEnd(s.getInputStream(), started);
        }
        if (answer.length == 0) {
            return null;
        }
        String text = new String(answer, StandardCharsets.ISO_8859_1);
        int headEnd = text.indexOf("\r\n\r\n");
        Matcher m = STATUS_LINE.matcher(text);
        if (!m.lookingAt() || headEnd < 0) {
            return "answer is not an HTTP/1.x response: " + printable(answer);
        }
        lastStatus = Integer.parseInt(m.group(1));
        if (lastStatus >= 500 && lastStatus != 505) {
            return "answered " + m.group();
        }
        if (lastStatus < 400 || new String(request, StandardCharsets.ISO_8859_1).startsWith("HEAD")) {
            return null;
        }
        Matcher length = Pattern.compile("(?i)\r\nContent-Length: *(\\d+)").matcher(text.substring(0, headEnd + 2));
        int bodyLength = length.find() ? Integer.parseInt(length.group(1)) : text.length() - headEnd - 4;
        String body = text.substring(headEnd + 4, Math.min(text.length(), headEnd + 4 + bodyLength));
        try {
            JsonNode doc = JSON.readTree(body);
            if (doc == null || doc.path("status").asInt() != lastStatus || doc.path("error").asText().isBlank()) {
                return m.group() + " without a JSON error body: " + printable(body.getBytes(StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            return m.group() + " with a body that is not JSON: " + printable(body.getBytes(StandardCharsets.ISO_8859_1));
        }
        return null;
    }

    private static byte[] readToEnd(InputStream in, long started) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                if ((System.nanoTime() - started) / 1_000_000 > DEADLINE_MILLIS) {
                    throw new SocketTimeoutException("still sending after the deadline");
                }
            }
        } catch (java.net.SocketException reset) {
            // a reset after the answer (or instead of one) ends the stream
        }
        return out.toByteArray();
    }

    private int healthStatus() throws IOException {
        lastStatus = 0;
        check("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return lastStatus;
    }

    /** One to three byte-level changes: replace, insert a framing byte, delete or repeat a range, cut the end. */
    static byte[] mutate(byte[] seed, Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = seed;
        for (int n = 1 + r.nextInt(3); n > 0; n--) {
            out.reset();
            int at = r.nextInt(b.length);
            int len = 1 + r.nextInt(Math.min(8, b.length - at));
            switch (r.nextInt(6)) {
                case 0 -> {
                    b = b.clone();
                    b[at] = (byte) r.nextInt(256);
                    continue;
                }
                case 1 -> {
                    out.write(b, 0, at);
                    out.write(SPECIAL[r.nextInt(SPECIAL.length)]);
                    out.write(b, at, b.length - at);
                }
                case 2 -> {
                    out.write(b, 0, at);
                    out.write(b, at + len, b.length - at - len);
                }
                case 3 -> {
                    out.write(b, 0, at + len);
                    out.write(b, at, b.length - at);
                }
                case 4 -> out.write(b, 0, Math.max(1, at));
                default -> {
                    out.write(b, 0, at);
                    byte[] number = (r.nextBoolean() ? "-1" : "18446744073709551616").getBytes(StandardCharsets.US_ASCII);
                    out.write(number, 0, number.length);
                    out.write(b, at, b.length - at);
                }
            }
            b = out.size() > 0 ? out.toByteArray() : new byte[] {'\r'};
        }
        return b;
    }

    private static String printable(byte[] bytes) {
        StringBuilder s = new StringBuilder("'");
        for (int i = 0; i < Math.min(bytes.length, 300); i++) {
            int c = bytes[i] & 0xff;
            s.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : c == '\r' ? "\\r" : c == '\n' ? "\\n"
                    : String.format("\\x%02x", c));
        }
        return s.append(bytes.length > 300 ? "...'" : "'").toString();
    }
}
