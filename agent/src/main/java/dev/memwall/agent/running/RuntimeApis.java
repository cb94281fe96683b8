package dev.memwall.agent.running;

import dev.memwall.estimator.io.JsonTree;
import dev.memwall.estimator.io.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks model runtimes' local HTTP APIs what they have loaded and how fast they run. Every request of every endpoint
 * goes out at once and each has {@link #CALL_TIMEOUT} to answer (the connection {@link #CONNECT_TIMEOUT} of it), so
 * {@link #read} returns within about a second however many endpoints there are and however they behave. Bodies are
 * read up to {@link #MAX_BODY_BYTES} and no further; redirects are never followed; nothing an endpoint sends makes
 * this throw: each endpoint yields a {@link RuntimeReading} with data or with one line saying why not.
 * <p>
 * What is read, from each project's documentation and source:
 * <ul>
 * <li>Ollama, {@code GET /api/ps} (https://github.com/ollama/ollama/blob/main/docs/api.md#list-running-models; the
 * fields of {@code ProcessModelResponse} in api/types.go);</li>
 * <li>llama-server, {@code GET /props}, {@code GET /slots} and {@code GET /metrics} (the last only with
 * {@code --metrics}; https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md);</li>
 * <li>vLLM, {@code GET /metrics} and {@code GET /v1/models} (the series of vllm/v1/metrics/loggers.py and the
 * {@code ModelCard} of its OpenAI-compatible server, https://github.com/vllm-project/vllm).</li>
 * </ul>
 * A URL the user gave, of a runtime not named, is asked all of these, and the first runtime whose answers read as
 * its own (Ollama, then llama.cpp, then vLLM) is the one reported.
 */
public final class RuntimeApis {

    /** The most of a body that is read; beyond it the answer is "body larger than 1 MiB". */
    public static final int MAX_BODY_BYTES = 1 << 20;
    public static final Duration CONNECT_TIMEOUT = Duration.ofMillis(300);
    /** From sending a request to the last byte of its answer. */
    public static final Duration CALL_TIMEOUT = Duration.ofMillis(700);

    /** The end of the error line when a connection was refused: no runtime listens at that address. */
    public static final String NOTHING_LISTENS = "connection refused (nothing listens there)";

    private static final String OLLAMA_PS = "/api/ps";
    private static final String LLAMA_PROPS = "/props";
    private static final String LLAMA_SLOTS = "/slots";
    private static final String METRICS = "/metrics";
    private static final String VLLM_MODELS = "/v1/models";

    private final HttpClient client;
    private final Duration connectTimeout;
    private final Duration callTimeout;

    /** With {@link #CONNECT_TIMEOUT} and {@link #CALL_TIMEOUT}. */
    public RuntimeApis() {
        this(CONNECT_TIMEOUT, CALL_TIMEOUT);
    }

    RuntimeApis(Duration connectTimeout, Duration callTimeout) {
        this.client = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .proxy(HttpClient.Builder.NO_PROXY)
                .build();
        this.connectTimeout = connectTimeout;
        this.callTimeout = callTimeout;
    }

    /** One reading per endpoint, in the order given. */
    public List<RuntimeReading> read(List<RuntimeEndpoint> endpoints) {
        long deadline = System.nanoTime() + callTimeout.toNanos();
        List<Map<String, CompletableFuture<Answer>>> asked = new ArrayList<>();
        for (RuntimeEndpoint e : endpoints) {
            Map<String, CompletableFuture<Answer>> byPath = new LinkedHashMap<>();
            for (String path : paths(e.runtime())) {
                byPath.put(path, send(e.url(), path));
            }
            asked.add(byPath);
        }
        List<RuntimeReading> out = new ArrayList<>();
        for (int i = 0; i < endpoints.size(); i++) {
            Map<String, Answer> answers = new LinkedHashMap<>();
            for (Map.Entry<String, CompletableFuture<Answer>> a : asked.get(i).entrySet()) {
                answers.put(a.getKey(), await(a.getValue(), deadline));
            }
            out.add(reading(endpoints.get(i), answers));
        }
        return out;
    }

    private static Set<String> paths(String runtime) {
        Set<String> paths = new LinkedHashSet<>();
        if (runtime == null || runtime.equals(RuntimeEndpoint.OLLAMA)) {
            paths.add(OLLAMA_PS);
        }
        if (runtime == null || runtime.equals(RuntimeEndpoint.LLAMA_CPP)) {
            paths.add(LLAMA_PROPS);
            paths.add(LLAMA_SLOTS);
            paths.add(METRICS);
        }
        if (runtime == null || runtime.equals(RuntimeEndpoint.VLLM)) {
            paths.add(METRICS);
            paths.add(VLLM_MODELS);
        }
        return paths;
    }

    private static RuntimeReading reading(RuntimeEndpoint e, Map<String, Answer> a) {
        String url = e.url().toString();
        if (e.runtime() != null) {
            switch (e.runtime()) {
                case RuntimeEndpoint.OLLAMA:
                    return ollama(url, a.get(OLLAMA_PS));
                case RuntimeEndpoint.LLAMA_CPP:
                    return llamaCpp(url, a.get(LLAMA_PROPS), a.get(LLAMA_SLOTS), a.get(METRICS));
                default:
                    return vllm(url, a.get(METRICS), a.get(VLLM_MODELS));
            }
        }
        Answer first = a.get(OLLAMA_PS);
        if (first.failure() != null) {
            return RuntimeReading.failed(url, null, first.line(OLLAMA_PS)); // the same for every path
        }
        List<RuntimeReading> tries = List.of(ollama(url, first),
                llamaCpp(url, a.get(LLAMA_PROPS), a.get(LLAMA_SLOTS), a.get(METRICS)),
                vllm(url, a.get(METRICS), a.get(VLLM_MODELS)));
        List<String> why = new ArrayList<>();
        for (RuntimeReading r : tries) {
            if (r.ok()) {
                return r;
            }
            why.add(r.runtime() + ": " + r.error());
        }
        return RuntimeReading.failed(url, null, "no runtime recognised: " + String.join("; ", why));
    }

    // --- Ollama ---------------------------------------------------------------------------------------------------

    /** A reading from Ollama's {@code GET /api/ps}. */
    static RuntimeReading ollama(String url, Answer ps) {
        String runtime = RuntimeEndpoint.OLLAMA;
        Object root;
        try {
            root = ps.json(OLLAMA_PS);
        } catch (Unreadable u) {
            return RuntimeReading.failed(url, runtime, u.getMessage());
        }
        Object list = root instanceof Map ? ((Map<?, ?>) root).get("models") : null;
        if (!(list instanceof List)) {
            return RuntimeReading.failed(url, runtime, "GET " + OLLAMA_PS
                    + ": no 'models' list in the answer (not Ollama's API)");
        }
        List<LoadedRuntimeModel> models = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (Object o : (List<?>) list) {
            if (!(o instanceof Map)) {
                notes.add("GET " + OLLAMA_PS + ": an entry of 'models' is not an object");
                continue;
            }
            Map<?, ?> m = (Map<?, ?>) o;
            Map<?, ?> details = m.get("details") instanceof Map ? (Map<?, ?>) m.get("details") : Map.of();
            String name = text(m.get("name"));
            models.add(new LoadedRuntimeModel(name != null ? name : text(m.get("model")), text(m.get("model")),
                    count(m.get("size")), count(m.get("size_vram")), positive(count(m.get("context_length"))),
                    text(details.get("parameter_size")), text(details.get("quantization_level")),
                    text(m.get("expires_at")), null, null));
        }
        return new RuntimeReading(url, runtime, models, null, null, null, null, KvCacheReading.NONE, notes, null);
    }

    // --- llama.cpp ------------------------------------------------------------------------------------------------

    /** A reading from llama-server's {@code GET /props}, {@code GET /slots} and {@code GET /metrics}. */
    static RuntimeReading llamaCpp(String url, Answer props, Answer slots, Answer metrics) {
        String runtime = RuntimeEndpoint.LLAMA_CPP;
        Object root;
        try {
            root = props.json(LLAMA_PROPS);
        } catch (Unreadable u) {
            return RuntimeReading.failed(url, runtime, u.getMessage());
        }
        Map<?, ?> p = root instanceof Map ? (Map<?, ?>) root : Map.of();
        Map<?, ?> settings = p.get("default_generation_settings") instanceof Map
                ? (Map<?, ?>) p.get("default_generation_settings") : null;
        if (!p.containsKey("model_path") && !p.containsKey("total_slots") && settings == null) {
            return RuntimeReading.failed(url, runtime, "GET " + LLAMA_PROPS
                    + ": no model_path, total_slots or default_generation_settings (not llama-server's API)");
        }
        List<String> notes = new ArrayList<>();
        Long ctx = positive(count(p.get("n_ctx")));
        if (ctx == null && settings != null) {
            ctx = positive(count(settings.get("n_ctx")));
        }
        Integer busy = null;
        Integer slotCount = small(count(p.get("total_slots")));
        try {
            Object s = slots.json(LLAMA_SLOTS);
            if (s instanceof List) {
                int processing = 0;
                int n = 0;
                for (Object o : (List<?>) s) {
                    if (o instanceof Map) {
                        Map<?, ?> slot = (Map<?, ?>) o;
                        n++;
                        if (Boolean.TRUE.equals(slot.get("is_processing"))) {
                            processing++;
                        }
                        if (ctx == null) {
                            ctx = positive(count(slot.get("n_ctx")));
                        }
                    }
                }
                busy = processing;
                if (slotCount == null) {
                    slotCount = n;
                }
            } else {
                notes.add("GET " + LLAMA_SLOTS + ": not a list of slots");
            }
        } catch (Unreadable u) {
            notes.add(u.getMessage());
        }
        String path = text(p.get("model_path"));
        String alias = text(p.get("model_alias"));
        LoadedRuntimeModel model = new LoadedRuntimeModel(alias != null && !alias.isEmpty() ? alias : path,
                path, null, null, ctx, null, null, null, slotCount, busy);

        Integer running = null;
        Double genRate = null;
        Double promptRate = null;
        Double genTotal = null;
        Double kvUsed = null;
        try {
            PrometheusText.Parsed m = PrometheusText.parse(metrics.text(METRICS), n -> n.startsWith("llamacpp:"));
            running = small(whole(sum(m.all("llamacpp:requests_processing"))));
            genRate = rate(first(m, "llamacpp:predicted_tokens_seconds"));
            promptRate = rate(first(m, "llamacpp:prompt_tokens_seconds"));
            genTotal = rate(first(m, "llamacpp:tokens_predicted_total"));
            kvUsed = fraction(first(m, "llamacpp:kv_cache_usage_ratio"));
            if (m.skippedLines() > 0) {
                notes.add("GET " + METRICS + ": " + m.skippedLines() + " lines skipped (not Prometheus samples)");
            }
        } catch (Unreadable u) {
            notes.add(u.getMessage() + (metrics.status() == 501 || metrics.status() == 404
                    ? " (llama-server exports metrics only with --metrics)" : ""));
        }
        return new RuntimeReading(url, runtime, List.of(model), running, genRate, promptRate, genTotal,
                new KvCacheReading(kvUsed, null, null, null, null), notes, null);
    }

    // --- vLLM -----------------------------------------------------------------------------------------------------

    /** A reading from vLLM's {@code GET /metrics} and {@code GET /v1/models}. */
    static RuntimeReading vllm(String url, Answer metrics, Answer modelList) {
        String runtime = RuntimeEndpoint.VLLM;
        PrometheusText.Parsed m;
        try {
            m = PrometheusText.parse(metrics.text(METRICS), n -> n.startsWith("vllm:"));
        } catch (Unreadable u) {
            return RuntimeReading.failed(url, runtime, u.getMessage());
        }
        if (m.samples().isEmpty()) {
            return RuntimeReading.failed(url, runtime, "GET " + METRICS + ": no vllm: series (not vLLM's metrics)");
        }
        List<String> notes = new ArrayList<>();
        if (m.skippedLines() > 0) {
            notes.add("GET " + METRICS + ": " + m.skippedLines() + " lines skipped (not Prometheus samples)");
        }
        Double used = mean(m.all("vllm:kv_cache_usage_perc"));
        if (used == null) {
            used = mean(m.all("vllm:gpu_cache_usage_perc"));
        }
        PrometheusText.Sample cache = m.first("vllm:cache_config_info");
        Map<String, String> labels = cache == null ? Map.of() : cache.labels();
        KvCacheReading kv = new KvCacheReading(fraction(used), positive(label(labels, "num_gpu_blocks")),
                positive(label(labels, "block_size")), present(labels.get("cache_dtype")),
                fraction(decimal(labels.get("gpu_memory_utilization"))));

        List<LoadedRuntimeModel> models = new ArrayList<>();
        try {
            Object root = modelList.json(VLLM_MODELS);
            Object data = root instanceof Map ? ((Map<?, ?>) root).get("data") : null;
            if (!(data instanceof List)) {
                throw new Unreadable("GET " + VLLM_MODELS + ": no 'data' list in the answer");
            }
            for (Object o : (List<?>) data) {
                if (o instanceof Map) {
                    Map<?, ?> card = (Map<?, ?>) o;
                    if (card.get("parent") != null) {
                        continue; // a LoRA adapter on a base model: no memory of its own worth a row
                    }
                    models.add(new LoadedRuntimeModel(text(card.get("id")), text(card.get("root")), null, null,
                            positive(count(card.get("max_model_len"))), null, null, null, null, null));
                }
            }
        } catch (Unreadable u) {
            notes.add(u.getMessage());
            Set<String> names = new LinkedHashSet<>();
            for (PrometheusText.Sample s : m.samples()) {
                String name = s.labels().get("model_name");
                if (name != null && !name.isEmpty()) {
                    names.add(name);
                }
            }
            for (String name : names) {
                models.add(new LoadedRuntimeModel(name, null, null, null, null, null, null, null, null, null));
            }
        }
        return new RuntimeReading(url, runtime, models,
                small(whole(sum(m.all("vllm:num_requests_running")))), null, null,
                rate(sum(m.all("vllm:generation_tokens_total"))), kv, notes, null);
    }

    // --- values ---------------------------------------------------------------------------------------------------

    private static String text(Object o) {
        return o instanceof String ? (String) o : null;
    }

    /** A JSON count: a whole non-negative number, else null. */
    private static Long count(Object o) {
        if (o instanceof Long) {
            return (Long) o >= 0 ? (Long) o : null;
        }
        if (o instanceof Double) {
            double d = (Double) o;
            return d >= 0 && d <= 9.0e15 && d == Math.rint(d) ? (long) d : null;
        }
        return null;
    }

    private static Long positive(Long v) {
        return v != null && v > 0 ? v : null;
    }

    private static Integer small(Long v) {
        return v != null && v <= Integer.MAX_VALUE ? (int) (long) v : null;
    }

    private static Double first(PrometheusText.Parsed m, String name) {
        PrometheusText.Sample s = m.first(name);
        return s == null ? null : s.value();
    }

    private static Double sum(List<PrometheusText.Sample> samples) {
        if (samples.isEmpty()) {
            return null;
        }
        double total = 0;
        for (PrometheusText.Sample s : samples) {
            total += s.value();
        }
        return total;
    }

    private static Double mean(List<PrometheusText.Sample> samples) {
        Double total = sum(samples);
        return total == null ? null : total / samples.size();
    }

    private static Long whole(Double v) {
        return v != null && v >= 0 && v <= 9.0e15 && v == Math.rint(v) ? (long) (double) v : null;
    }

    /** A rate or a counter: finite and not negative, else unknown. */
    private static Double rate(Double v) {
        return v != null && Double.isFinite(v) && v >= 0 ? v : null;
    }

    private static Double fraction(Double v) {
        return v != null && v >= 0 && v <= 1 ? v : null;
    }

    private static String present(String label) {
        return label == null || label.isEmpty() || label.equals("None") ? null : label;
    }

    private static Long label(Map<String, String> labels, String name) {
        String v = present(labels.get(name));
        return v != null && v.matches("[0-9]{1,18}") ? Long.parseLong(v) : null;
    }

    private static Double decimal(String v) {
        if (present(v) == null || !v.matches("[0-9]{1,10}(\\.[0-9]{1,20})?")) {
            return null;
        }
        return Double.parseDouble(v);
    }

    // --- HTTP -----------------------------------------------------------------------------------------------------

    /** What one request got: a status and a body, or why nothing came back. */
    record Answer(int status, byte[] body, boolean tooLarge, String failure) {

        static Answer of(int status, String body) {
            return new Answer(status, body.getBytes(StandardCharsets.UTF_8), false, null);
        }

        static Answer failed(String failure) {
            return new Answer(-1, new byte[0], false, failure);
        }

        /** Why this answer holds no body to read, one line beginning {@code GET path}, or null. */
        String problem(String path) {
            if (failure != null) {
                return "GET " + path + ": " + failure;
            }
            if (status >= 300 && status < 400) {
                return "GET " + path + ": answered " + status + " (a redirect: not followed)";
            }
            if (status != 200) {
                return "GET " + path + ": answered " + status;
            }
            if (tooLarge) {
                return "GET " + path + ": body larger than 1 MiB (not read further)";
            }
            return null;
        }

        /** The failure's line; called for an answer that has one. */
        String line(String path) {
            String p = problem(path);
            return p == null ? "GET " + path + ": answered " + status : p;
        }

        String text(String path) throws Unreadable {
            String p = problem(path);
            if (p != null) {
                throw new Unreadable(p);
            }
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The body's JSON value (object, array or scalar) through memwall's bounded JSON reader. */
        Object json(String path) throws Unreadable {
            String p = problem(path);
            if (p != null) {
                throw new Unreadable(p);
            }
            // JsonTree reads objects: the body is wrapped as {"v": body}, and anything after the body's own value
            // shows as a second key or trailing data, so only a body that is one JSON value reads.
            byte[] head = "{\"v\":".getBytes(StandardCharsets.US_ASCII);
            byte[] wrapped = new byte[head.length + body.length + 1];
            System.arraycopy(head, 0, wrapped, 0, head.length);
            System.arraycopy(body, 0, wrapped, head.length, body.length);
            wrapped[wrapped.length - 1] = '}';
            try {
                Map<String, Object> m = JsonTree.object(wrapped, "GET " + path);
                if (m.size() != 1) {
                    throw new Unreadable("GET " + path + ": is not valid JSON: more than one value");
                }
                return m.get("v");
            } catch (ModelFormatException e) {
                long at = e.offset() < 0 ? -1 : Math.max(0, Math.min(body.length, e.offset() - head.length));
                throw new Unreadable("GET " + path + (at >= 0 ? ": byte " + at : "") + ": " + e.problem());
            }
        }
    }

    /** A body that cannot be read, with its one line. */
    static final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreadable(String line) {
            super(line, null, false, false);
        }
    }

    private CompletableFuture<Answer> send(URI base, String path) {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(base + path)).timeout(callTimeout).GET().build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(Answer.failed("not a URL memwall can ask"));
        }
        try {
            return client.sendAsync(request, info -> new CappedBody(info.statusCode() == 200, declaredLength(
                    info.headers()))).thenApply(r -> new Answer(r.statusCode(), r.body().bytes, r.body().tooLarge,
                            null));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Answer.failed(oneLine(e)));
        }
    }

    private Answer await(CompletableFuture<Answer> f, long deadlineNanos) {
        try {
            return f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return Answer.failed("no answer within " + callTimeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            return Answer.failed("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            if (c instanceof HttpConnectTimeoutException) {
                return Answer.failed("no connection within " + connectTimeout.toMillis() + " ms");
            }
            if (c instanceof HttpTimeoutException) {
                return Answer.failed("no answer within " + callTimeout.toMillis() + " ms");
            }
            if (c instanceof ConnectException) {
                return Answer.failed(NOTHING_LISTENS);
            }
            return Answer.failed(oneLine(c));
        }
    }

    private static String oneLine(Throwable t) {
        String m = t.getMessage();
        String what = m == null || m.isBlank() ? t.getClass().getSimpleName() : m.strip().split("\\R", 2)[0];
        return "could not be read: " + (what.length() > 200 ? what.substring(0, 200) + "..." : what);
    }

    private static long declaredLength(HttpHeaders headers) {
        return headers.firstValueAsLong("Content-Length").orElse(-1L);
    }

    /** A body read up to {@link #MAX_BODY_BYTES}; beyond that, or for an answer that is not 200, not read at all. */
    record Body(byte[] bytes, boolean tooLarge) {
    }

    private static final class CappedBody implements HttpResponse.BodySubscriber<Body> {
        private final CompletableFuture<Body> result = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final boolean wanted;
        private final long declared;
        private Flow.Subscription subscription;

        CappedBody(boolean wanted, long declared) {
            this.wanted = wanted;
            this.declared = declared;
        }

        @Override
        public CompletionStage<Body> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (!wanted) {
                s.cancel();
                result.complete(new Body(new byte[0], false));
            } else if (declared > MAX_BODY_BYTES) {
                s.cancel();
                result.complete(new Body(new byte[0], true));
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : buffers) {
                if (bytes.size() + (long) b.remaining() > MAX_BODY_BYTES) {
                    subscription.cancel();
                    result.complete(new Body(new byte[0], true));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(new Body(bytes.toByteArray(), false));
        }
    }
}
