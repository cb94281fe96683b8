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

    Sampler sampler(ScriptedDevice device, MovableClock clock) {
        return new Sampler(List.of(new DeviceSlot(device)), List.of(), List.of(), List.of(), List.of(),
                () -> new HostMemory(64 * GIB, 32 * GIB, "host"), Duration.ofMillis(100), clock, new AtomicLong());
    }

    @Test
    void aWallClockJumpNeitherStallsNorHurriesRetries() throws Exception {
        for (Duration jump : List.of(Duration.ofHours(-1), Duration.ofDays(1))) {
            ScriptedDevice gpu = new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB);
            gpu.failing = true;
            MovableClock clock = new MovableClock();
            Sampler s = sampler(gpu, clock);
            s.sample(); // fails: retry in 100 ms
            clock.now.set(clock.now.get().plus(jump));
            // Samples every 10 ms for 0.75 s: tries at 0, 0.1, 0.3, 0.7 s by the monotonic clock, whatever the wall clock says.
            long end = System.nanoTime() + 750_000_000L;
            Snapshot last = null;
            while (System.nanoTime() < end) {
                last = s.sample();
                Thread.sleep(10);
            }
            assertThat(gpu.reads.get()).as("tries after a jump of " + jump).isBetween(3, 5);
            assertThat(last.sampledAt()).isEqualTo(clock.now.get());
            // Healed, it is back at the next try (0.8 s after the last), not an hour or a day later.
            gpu.failing = false;
            long back = System.nanoTime() + 2_000_000_000L;
            while (s.sample().status().get("scripted:0").failed()) {
                assertThat(System.nanoTime()).isLessThan(back);
                Thread.sleep(20);
            }
        }
    }

    @Test
    void watchedFitsAreWorkedOutAgainOnlyWhenTheReadingChanges() {
        ScriptedDevice gpu = new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB);
        var model = dev.memwall.estimator.catalog.ModelCatalog.builtIn().find("llama-3.1-8b").orElseThrow();
        Sampler s = new Sampler(List.of(new DeviceSlot(gpu)), List.of(), List.of(),
                List.of(new dev.memwall.estimator.source.LoadedModel("llama-3.1-8b", "catalog", model.spec(), null,
                        List.of())), List.of(dev.memwall.estimator.precision.Precisions.weight("int4").orElseThrow()),
                () -> new HostMemory(64 * GIB, 32 * GIB, "host"), Duration.ofMillis(100), new MovableClock(),
                new AtomicLong());
        var first = s.sample().watched().get("scripted:0");
        assertThat(first).hasSize(2);
        assertThat(s.sample().watched().get("scripted:0")).isSameAs(first);
        gpu.freeBytes = 2 * GIB;
        var after = s.sample().watched().get("scripted:0");
        assertThat(after).isNotSameAs(first);
        assertThat(after.get(0).row().result().fitsNow()).isFalse();
    }

    @Test
    void backoffDoublesUpToFiveMinutes() {
        Sampler s = sampler(new ScriptedDevice("scripted:0", 24 * GIB, 20 * GIB), new MovableClock());
        assertThat(s.backoff(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(s.backoff(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(s.backoff(4)).isEqualTo(Duration.ofMillis(800));
        assertThat(s.backoff(30)).isEqualTo(Duration.ofMinutes(5));
    }
}
