package dev.memwall.estimator.fit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongUnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * The search behind a verdict's largest context and batch gives the answer a bisection gives, for any memory curve
 * that never falls, in fewer estimates where the curve is close to a line (as memory is) and in a bounded number
 * where it is not.
 */
class LargestFittingTest {

    /** The definition: the largest x in [lo, hi] whose need is within usable, found by walking down from hi. */
    private static long bisection(long lo, long hi, LongUnaryOperator need, long usable) {
        while (lo < hi) {
            long mid = lo + (hi - lo + 1) / 2;
            if (need.applyAsLong(mid) <= usable) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private static long search(long hi, LongUnaryOperator need, long usable, AtomicInteger calls) {
        LongUnaryOperator counted = x -> {
            calls.incrementAndGet();
            return need.applyAsLong(x);
        };
        return FitPlanner.largestFitting(1, need.applyAsLong(1), hi, counted, usable);
    }

    @Property(tries = 2000)
    void agreesWithBisectionOnAnyCurveThatNeverFalls(@ForAll("curves") long[] steps,
            @ForAll @LongRange(min = 2, max = 1_000_000) long hi, @ForAll @IntRange(min = 0, max = 100) int at) {
        // A never-falling curve: a base plus a slope plus steps of arbitrary height at arbitrary points.
        LongUnaryOperator need = x -> {
            long v = steps[0] + steps[1] * x;
            for (int i = 2; i + 1 < steps.length; i += 2) {
                if (x >= steps[i] % hi + 1) {
                    v += steps[i + 1];
                }
            }
            return v;
        };
        long low = need.applyAsLong(1);
        long top = need.applyAsLong(hi);
        long usable = low + (long) ((top - low) * (at / 100.0));
        AtomicInteger calls = new AtomicInteger();
        long found = search(hi, need, usable, calls);
        assertThat(found).isEqualTo(bisection(1, hi, need, usable));
        // At most three estimates per halving of the interval, and two for the first look at the top.
        int halvings = 64 - Long.numberOfLeadingZeros(hi);
        assertThat(calls.get()).isLessThanOrEqualTo(3 * halvings + 2);
    }

    @Provide
    Arbitrary<long[]> curves() {
        return Arbitraries.longs().between(0, 1L << 40).array(long[].class).ofMinSize(2).ofMaxSize(12);
    }

    @Test
    void aStraightLineWithRoundingTakesAFewEstimatesWhereBisectionTakesSeventeen() {
        // KV cache bytes per token of a 32-layer model with 8 KV heads of 128 (fp16), rounded to 256-byte blocks,
        // above 5 GiB of weights: the shape of memory against context.
        LongUnaryOperator need = x -> (5L << 30) + ((x * 131_072 + 255) / 256) * 256;
        long hi = 131_072;
        for (long usable = need.applyAsLong(1); usable < need.applyAsLong(hi); usable += 1_234_567_891L) {
            AtomicInteger calls = new AtomicInteger();
            assertThat(search(hi, need, usable, calls)).isEqualTo(bisection(1, hi, need, usable));
            assertThat(calls.get()).isLessThanOrEqualTo(4);
        }
    }

    @Test
    void whatFitsAtTheTopIsTheAnswerAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        assertThat(search(4096, x -> x, 5000, calls)).isEqualTo(4096);
        assertThat(calls.get()).isEqualTo(1);
    }
}
