package dev.memwall.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.device.host.HostMemory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The sampler on its own: retries keep to the monotonic clock when the wall clock jumps. */
class SamplerTest {

    static final long GIB = 1L << 30;

    /** A wall clock a test can move. */
    static final class MovableClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-25T12:00:00Z"));

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    Sampler sampler(ScriptedDevice device, MovableClock clock, Ticker ticker) {
        return new Sampler(List.of(new DeviceSlot(device)), List.of(), List.of(), List.of(), List.of(), 4,
                () -> new HostMemory(64 * GIB, 32 * GIB, "host"), Duration.ofMillis(100), clock, ticker,
                new AtomicLong());
    }

    @Test
    void aFailingDeviceIsRetriedWithADoublingBackoffWhileTheOthersAreReadEverySample() {
        ScriptedDevice good = new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB);
        ScriptedDevice bad = new ScriptedDevice("scripted:1", 24 * GIB, 20 * GIB);
        bad.failing = true;
        FakeTicker ticker = new FakeTicker();
        AtomicLong errors = new AtomicLong();
        Sampler s = new Sampler(List.of(new DeviceSlot(good), new DeviceSlot(bad)), List.of(), List.of(), List.of(),
                List.of(), 4, () -> new HostMemory(64 * GIB, 32 * GIB, "host"), Duration.ofMillis(100),
                new MovableClock(), ticker, errors);
        // Sixteen samples 100 ms apart: 100 ms doubling puts the tries at 0, 0.1, 0.3, 0.7 and 1.5 s.
        Snapshot last = null;
        for (int i = 0; i < 16; i++) {
            last = s.sample();
            ticker.advance(Duration.ofMillis(100));
        }
        assertThat(bad.reads.get()).isEqualTo(5);
        assertThat(good.reads.get()).isEqualTo(16);
        assertThat(errors.get()).isEqualTo(5);
        assertThat(last.status().get("scripted:1").failed()).isTrue();
        assertThat(last.status().get("scripted:1").error())
                .isEqualTo("the device fell off the bus (scripted); retrying in 1s");
        assertThat(last.status().get("scripted:0").failed()).isFalse();
        // Healed, it is back at the next try (3.1 s), not before.
        bad.failing = false;
        ticker.advance(Duration.ofMillis(1400));
        assertThat(s.sample().status().get("scripted:1").failed()).isTrue();
        ticker.advance(Duration.ofMillis(100));
        assertThat(s.sample().status().get("scripted:1").failed()).isFalse();
        // Sampling never used a context.
        assertThat(good.contextReads.get() + bad.contextReads.get()).isZero();
    }

    @Test
    void aWallClockJumpNeitherStallsNorHurriesRetries() {
        for (Duration jump : List.of(Duration.ofHours(-1), Duration.ofDays(1))) {
            ScriptedDevice gpu = new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB);
            gpu.failing = true;
            MovableClock clock = new MovableClock();
            FakeTicker ticker = new FakeTicker();
            Sampler s = sampler(gpu, clock, ticker);
            s.sample(); // fails: retry in 100 ms
            clock.now.set(clock.now.get().plus(jump));
            // Samples every 10 ms for 0.75 s: tries at 0, 0.1, 0.3, 0.7 s by the monotonic clock, whatever the wall
            // clock says.
            Snapshot last = null;
            for (int i = 0; i < 75; i++) {
                ticker.advance(Duration.ofMillis(10));
                last = s.sample();
            }
            assertThat(gpu.reads.get()).as("tries after a jump of " + jump).isEqualTo(4);
            assertThat(last.sampledAt()).isEqualTo(clock.now.get());
            // Healed, it is back at the next try, 1.5 s after the first, not an hour or a day later.
            gpu.failing = false;
            ticker.advance(Duration.ofMillis(750));
            assertThat(s.sample().status().get("scripted:0").failed()).isFalse();
        }
    }

    @Test
    void watchedFitsAreWorkedOutAgainOnlyWhenTheReadingChanges() {
        ScriptedDevice gpu = new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB);
        var model = dev.memwall.estimator.catalog.ModelCatalog.builtIn().find("llama-3.1-8b").orElseThrow();
        Sampler s = new Sampler(List.of(new DeviceSlot(gpu)), List.of(), List.of(),
                List.of(new dev.memwall.estimator.source.LoadedModel("llama-3.1-8b", "catalog", model.spec(), null,
                        List.of())), List.of(dev.memwall.estimator.precision.Precisions.weight("int4").orElseThrow()),
                4, () -> new HostMemory(64 * GIB, 32 * GIB, "host"), Duration.ofMillis(100), new MovableClock(),
                new FakeTicker(), new AtomicLong());
        var first = s.sample().watched().get("scripted:0");
        assertThat(first).hasSize(2);
        assertThat(s.sample().watched().get("scripted:0")).isSameAs(first);
        gpu.freeBytes = 2 * GIB;
        var after = s.sample().watched().get("scripted:0");
        assertThat(after).isNotSameAs(first);
        assertThat(after.get(0).verdict().fitsNow()).isFalse();
    }

    @Test
    void backoffDoublesUpToFiveMinutes() {
        Sampler s = sampler(new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB), new MovableClock(), new FakeTicker());
        assertThat(s.backoff(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(s.backoff(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(s.backoff(4)).isEqualTo(Duration.ofMillis(800));
        assertThat(s.backoff(30)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void aVllmTokenCounterBecomesAGenerationRateBetweenTwoSamples() throws Exception {
        // A vLLM /metrics whose generation counter grows by 600 tokens between the two samples (the recorded text,
        // runtime-apis/vllm-metrics.txt, with its counter moved).
        String recorded;
        try (java.io.InputStream in = SamplerTest.class.getResourceAsStream("/runtime-apis/vllm-metrics.txt")) {
            recorded = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        AtomicLong counter = new AtomicLong(52311);
        com.sun.net.httpserver.HttpServer vllm = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        vllm.createContext("/", ex -> {
            byte[] body = ex.getRequestURI().getPath().equals("/metrics") ? recorded.replace("} 52311.0",
                    "} " + counter.get() + ".0").getBytes(java.nio.charset.StandardCharsets.UTF_8) : new byte[0];
            ex.sendResponseHeaders(body.length == 0 ? 404 : 200, body.length == 0 ? -1 : body.length);
            try (java.io.OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        vllm.start();
        try {
            FakeTicker ticker = new FakeTicker();
            Sampler s = sampler(new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB), new MovableClock(), ticker);
            String url = "http://127.0.0.1:" + vllm.getAddress().getPort();
            s.askRuntimes(List.of(url));
            dev.memwall.agent.running.RuntimeReading first = reading(s.sample(), url);
            assertThat(first.generationTokensPerSecond()).isNull();
            counter.addAndGet(600);
            ticker.advance(Duration.ofSeconds(5));
            dev.memwall.agent.running.RuntimeReading second = reading(s.sample(), url);
            assertThat(second.runtime()).isEqualTo("vllm");
            assertThat(second.generationTokensPerSecond()).isEqualTo(120.0);
            assertThat(second.notes()).contains("generation rate from its token counter over the last 5.0 s");
        } finally {
            vllm.stop(0);
        }
    }

    private static dev.memwall.agent.running.RuntimeReading reading(Snapshot s, String url) {
        return s.running().runtimes().stream().filter(r -> r.url().equals(url)).findFirst().orElseThrow();
    }
}
