package dev.memwall.agent.daemon;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.memwall.agent.render.FitView;
import dev.memwall.agent.render.Json;
import dev.memwall.agent.render.ProbeJson;
import dev.memwall.estimator.fit.Verdict;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.spi.JettyHttpServer;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's HTTP server on the JDK's {@code com.sun.net.httpserver}: metrics, the JSON API and the page. Every
 * answer comes from the latest snapshot; errors are one JSON line with a status code, never a stack trace.
 */
final class AgentHttp {

    static final int MAX_QUERY_BYTES = 2048;
    static final int MAX_BODY_BYTES = 4096;
    static final int THREADS = 16;
    static final int MAX_HEADER_BYTES = 8192;
    static final long IDLE_TIMEOUT_MILLIS = 30_000;
    static final int ACCEPT_QUEUE = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(AgentHttp.class);
    private static final List<String> GET = List.of("GET", "HEAD");
    private static final List<String> POST = List.of("POST");

    /** What the server asks of the agent. */
    interface Backend {
        Snapshot snapshot();

        BenchScheduler.Request requestBench();

        long benchRetryAfterSeconds();
    }

    private final AgentSettings settings;
    private final Backend agent;
    private final String version;
    private final JettyHttpServer server;
    private final Server jetty;
    private final byte[] page;
    private final java.util.concurrent.ConcurrentHashMap<String, byte[]> fits =
            new java.util.concurrent.ConcurrentHashMap<>();
    static final int FIT_CACHE_ENTRIES = 256;

    AgentHttp(AgentSettings settings, Backend agent, PrometheusRegistry registry, String version) throws IOException {
        this(settings, agent, registry, version, Ticker.SYSTEM);
    }

    /** @param ticker the monotonic clock the scrape cache expires on */
    AgentHttp(AgentSettings settings, Backend agent, PrometheusRegistry registry, String version, Ticker ticker)
            throws IOException {
        this.settings = settings;
        this.agent = agent;
        this.version = version;
        this.page = readPage();
        // Jetty behind the JDK's HttpServer API: it reads request heads on its selector, without holding a thread,
        // so slow clients and idle connections cannot starve the handlers (the JDK's own server reads them on
        // its worker threads).
        QueuedThreadPool threads = new QueuedThreadPool(THREADS, 2, 60_000);
        threads.setName("memwall-http");
        threads.setDaemon(true);
        jetty = new Server(threads);
        jetty.setHandler(new ContextHandlerCollection());
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(MAX_HEADER_BYTES);
        server = new JettyHttpServer(jetty, false, http);
        server.bind(settings.listen(), 512);
        for (Connector c : jetty.getConnectors()) {
            if (c instanceof ServerConnector sc) {
                sc.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
                // Jetty's default accept queue of 0 leaves the kernel's minimum: a burst of connections then
                // waits on SYN retries (seconds) before it is even accepted.
                sc.setAcceptQueueSize(ACCEPT_QUEUE);
                HttpConnectionFactory f = sc.getConnectionFactory(HttpConnectionFactory.class);
                if (f != null) {
                    f.getHttpConfiguration().setSendServerVersion(false);
                    f.getHttpConfiguration().setSendXPoweredBy(false);
                    f.getHttpConfiguration().setRequestHeaderSize(MAX_HEADER_BYTES);
                }
            }
        }
        // Requests Jetty refuses before they reach a handler (malformed, headers too large) get the same one-line
        // JSON error as the rest.
        jetty.setErrorHandler(new ErrorHandler() {
            /** Every method gets the JSON body, not only GET, POST and HEAD (an HTTP/2 preface is a PRI request). */
            @Override
            public boolean errorPageForMethod(String method) {
                return true;
            }

            @Override
            protected void generateResponse(Request request, Response response, int code, String message,
                    Throwable cause, Callback callback) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("error", message == null || message.isBlank() ? HttpStatus.getMessage(code) : message);
                m.put("status", code);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.write(true, java.nio.ByteBuffer.wrap((Json.write(m) + "\n").getBytes(StandardCharsets.UTF_8)),
                        callback);
            }
        });
        MetricsHandler filtered = new MetricsHandler(registry);
        ScrapeCache metrics = new ScrapeCache(registry, ticker);
        server.createContext("/metrics", endpoint("/metrics", GET, (x, q) -> {
            if (q.isEmpty()) {
                metrics.handle(x);
            } else {
                filtered.handle(x); // name[]= filters: rare, answered fresh
            }
        }));
        server.createContext("/api/v1/probe", endpoint("/api/v1/probe", GET, (x, q) -> {
            Snapshot s = ready();
            List<Verdict> popular = new java.util.ArrayList<>();
            s.capacities().forEach(c -> popular.addAll(s.popular().getOrDefault(c.id(), List.of())));
            json(x, 200, ProbeJson.document(s.report(), version, popular, s.running()));
        }));
        server.createContext("/api/v1/status", endpoint("/api/v1/status", GET, (x, q) ->
                json(x, 200, StatusJson.document(ready(), settings, version))));
        server.createContext("/api/v1/fit", endpoint("/api/v1/fit", GET, (x, q) -> {
            Snapshot s = ready();
            // The same question about the same snapshot has the same answer.
            String key = s.sequence() + "?" + x.getRequestURI().getRawQuery();
            byte[] body = fits.get(key);
            if (body == null) {
                FitQuery f = FitQuery.parse(q);
                body = (Json.write(FitView.document(f.model, f.workload, f.rows(s.capacities(), s.host()))) + "\n")
                        .getBytes(StandardCharsets.UTF_8);
                if (fits.size() >= FIT_CACHE_ENTRIES) {
                    fits.clear();
                }
                fits.put(key, body);
            }
            x.getResponseHeaders().set("Content-Type", "application/json");
            send(x, 200, body);
        }));
        server.createContext("/api/v1/bench", endpoint("/api/v1/bench", POST, (x, q) -> {
            authorize(x);
            switch (agent.requestBench()) {
                case ACCEPTED -> json(x, 202, Map.of("status", "accepted"));
                case RUNNING -> throw new HttpError(409, "a benchmark is already running");
                case DISABLED -> throw new HttpError(409, "benchmarks are off in this agent (--no-bench)");
                default -> {
                    x.getResponseHeaders().set("Retry-After", String.valueOf(agent.benchRetryAfterSeconds()));
                    throw new HttpError(429, "a benchmark ran less than "
                            + Durations.format(settings.minBenchInterval()) + " ago; try again in "
                            + agent.benchRetryAfterSeconds() + " s");
                }
            }
        }));
        server.createContext("/healthz", endpoint("/healthz", GET, (x, q) -> json(x, 200, Map.of("status", "ok"))));
        server.createContext("/readyz", endpoint("/readyz", GET, (x, q) -> {
            Snapshot s = ready();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", "ready");
            m.put("sequence", s.sequence());
            json(x, 200, m);
        }));
        server.createContext("/", endpoint(null, GET, (x, q) -> {
            String path = x.getRequestURI().getPath();
            if (!path.equals("/") && !path.equals("/index.html")) {
                throw new HttpError(404, "no such page: " + path);
            }
            x.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            x.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; style-src 'self' "
                    + "'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src 'self' data:");
            x.getResponseHeaders().set("Cache-Control", "no-cache");
            send(x, 200, page);
        }));
    }

    void start() throws IOException {
        try {
            server.start();
        } catch (RuntimeException e) {
            // Jetty wraps the bind failure; say what the system said (e.g. "Address already in use").
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new IOException(root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage(), e);
        }
        LOG.info("listening on http://{}:{}/", settings.listen().getAddress().getHostAddress(), port());
    }

    int port() {
        for (Connector c : jetty.getConnectors()) {
            if (c instanceof ServerConnector sc && sc.getLocalPort() > 0) {
                return sc.getLocalPort();
            }
        }
        return server.getAddress().getPort();
    }

    /** Stops accepting at once; requests in flight get up to {@code seconds} to finish. */
    void stop(int seconds) {
        server.stop(seconds);
    }

    private interface Handler {
        void handle(HttpExchange x, Map<String, String> query) throws IOException, HttpError;
    }

    private HttpHandler endpoint(String exactPath, List<String> methods, Handler handler) {
        return x -> {
            try (x) {
                try {
                    if (exactPath != null && !x.getRequestURI().getPath().equals(exactPath)) {
                        throw new HttpError(404, "no such endpoint: " + x.getRequestURI().getPath());
                    }
                    String raw = x.getRequestURI().getRawQuery();
                    if (raw != null && raw.length() > MAX_QUERY_BYTES) {
                        throw new HttpError(400, "query string of " + raw.length() + " bytes; at most "
                                + MAX_QUERY_BYTES);
                    }
                    if (!methods.contains(x.getRequestMethod())) {
                        x.getResponseHeaders().set("Allow", String.join(", ", methods));
                        throw new HttpError(405, x.getRequestMethod() + " is not allowed here; use "
                                + String.join(" or ", methods));
                    }
                    drainBody(x);
                    handler.handle(x, query(raw));
                } catch (HttpError e) {
                    if (e.status == 400 || x.getRequestMethod().equals("CONNECT")) {
                        // A request that broke its framing, or asked for a tunnel, leaves nothing to reuse.
                        x.getResponseHeaders().set("Connection", "close");
                    }
                    error(x, e.status, e.getMessage());
                } catch (RuntimeException e) {
                    LOG.warn("{} {} failed: {}", x.getRequestMethod(), x.getRequestURI().getPath(), e.toString());
                    LOG.debug("request failed", e);
                    error(x, 500, "internal error: " + e.getClass().getSimpleName());
                }
            } catch (IOException e) {
                LOG.debug("client went away", e);
            }
        };
    }

    private Snapshot ready() throws HttpError {
        Snapshot s = agent.snapshot();
        if (s == null) {
            throw new HttpError(503, "no reading yet: the agent is starting");
        }
        return s;
    }

    private void authorize(HttpExchange x) throws HttpError {
        if (!settings.postAllowed()) {
            throw new HttpError(403, "this agent listens beyond loopback without --token-file, so it takes no POST");
        }
        if (settings.token() == null) {
            return;
        }
        String header = x.getRequestHeaders().getFirst("Authorization");
        String expected = "Bearer " + settings.token();
        if (header == null || !MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8))) {
            x.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw new HttpError(401, "this endpoint needs the bearer token (Authorization: Bearer ...)");
        }
    }

    /** Reads and drops a request body, refusing one over the limit. */
    private static void drainBody(HttpExchange x) throws IOException, HttpError {
        String length = x.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long n;
            try {
                n = dev.memwall.estimator.units.AsciiNumbers.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw new HttpError(400, "Content-Length is not a number");
            }
            if (n > MAX_BODY_BYTES) {
                throw new HttpError(413, "request body of " + n + " bytes; at most " + MAX_BODY_BYTES);
            }
        }
        InputStream in = x.getRequestBody();
        byte[] buffer = new byte[1024];
        long total = 0;
        try {
            for (int r; (r = in.read(buffer)) > 0; ) {
                total += r;
                if (total > MAX_BODY_BYTES) {
                    throw new HttpError(413, "request body over " + MAX_BODY_BYTES + " bytes");
                }
            }
        } catch (IOException | RuntimeException e) {
            // Jetty fails the read of a body whose framing is broken (a chunk size that is not hex, say).
            throw new HttpError(400, "malformed request body: " + (e.getMessage() == null
                    ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    static Map<String, String> query(String raw) throws HttpError {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String key;
            String value;
            try {
                key = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "malformed query string: " + e.getMessage());
            }
            if (q.put(key.toLowerCase(Locale.ROOT), value) != null) {
                throw new HttpError(400, "parameter '" + key + "' given twice");
            }
        }
        return q;
    }

    private static void json(HttpExchange x, int status, Object doc) throws IOException {
        x.getResponseHeaders().set("Content-Type", "application/json");
        send(x, status, (Json.write(doc) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void error(HttpExchange x, int status, String message) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        m.put("status", status);
        json(x, status, m);
    }

    private static void send(HttpExchange x, int status, byte[] body) throws IOException {
        boolean head = x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static byte[] readPage() throws IOException {
        try (InputStream in = AgentHttp.class.getResourceAsStream("/dev/memwall/agent/web/index.html")) {
            if (in == null) {
                return "<!doctype html><title>memwall</title><p>The page is missing from this build.</p>"
                        .getBytes(StandardCharsets.UTF_8);
            }
            return in.readAllBytes();
        }
    }

    /**
     * The exposition, written at most once a second per format and served from memory in between: a scrape
     * costs a copy, however many clients scrape. The memwall series change once per sample interval anyway.
     */
    static final class ScrapeCache {
        static final long TTL_NANOS = 1_000_000_000L;

        record Entry(long at, String contentType, byte[] body, byte[] gzip) {
        }

        private final PrometheusRegistry registry;
        private final Ticker ticker;
        private final ExpositionFormats formats = ExpositionFormats.init();
        private final java.util.concurrent.ConcurrentHashMap<String, Entry> entries =
                new java.util.concurrent.ConcurrentHashMap<>();

        ScrapeCache(PrometheusRegistry registry, Ticker ticker) {
            this.registry = registry;
            this.ticker = ticker;
        }

        void handle(HttpExchange x) throws IOException {
            ExpositionFormatWriter writer = formats.findWriter(x.getRequestHeaders().getFirst("Accept"));
            Entry e = entry(writer);
            String encoding = x.getRequestHeaders().getFirst("Accept-Encoding");
            boolean gzip = encoding != null && encoding.toLowerCase(Locale.ROOT).contains("gzip");
            x.getResponseHeaders().set("Content-Type", e.contentType());
            if (gzip) {
                x.getResponseHeaders().set("Content-Encoding", "gzip");
            }
            send(x, 200, gzip ? e.gzip() : e.body());
        }

        Entry entry(ExpositionFormatWriter writer) throws IOException {
            String type = writer.getContentType();
            Entry e = entries.get(type);
            long now = ticker.nanos();
            if (e != null && now - e.at() < TTL_NANOS) {
                return e;
            }
            synchronized (this) {
                e = entries.get(type);
                if (e != null && ticker.nanos() - e.at() < TTL_NANOS) {
                    return e;
                }
                java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(32 * 1024);
                writer.write(body, registry.scrape());
                java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream(8 * 1024);
                try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(zipped)) {
                    body.writeTo(z);
                }
                e = new Entry(ticker.nanos(), type, body.toByteArray(), zipped.toByteArray());
                entries.put(type, e);
                return e;
            }
        }
    }
}
