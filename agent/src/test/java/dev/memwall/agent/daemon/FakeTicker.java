package dev.memwall.agent.daemon;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A monotonic clock a test moves by hand: time passes only when the test says so. */
final class FakeTicker implements Ticker {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);

    @Override
    public long nanos() {
        return nanos.get();
    }

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }
}
