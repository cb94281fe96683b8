package dev.memwall.agent.daemon;

/**
 * The monotonic clock the daemon measures intervals on (retries, the benchmark's minimum interval, the scrape
 * cache); tests drive their own instead of sleeping.
 */
@FunctionalInterface
interface Ticker {

    /** The real one: {@link System#nanoTime()}. */
    Ticker SYSTEM = System::nanoTime;

    /** Nanoseconds from an arbitrary origin; only differences mean anything. */
    long nanos();
}
