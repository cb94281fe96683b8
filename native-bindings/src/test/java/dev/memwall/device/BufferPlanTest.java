package dev.memwall.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BufferPlanTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private final BenchmarkSettings settings = new BenchmarkSettings(1, 3, 20, 0.02, 0.5, GIB, 256 * MIB, 0.10, 4,
            1);

    @Test
    void bigGpuGetsTheDeviceMemoryDefault() throws DeviceException {
        // An H100: 80 GiB free, 50 MiB L2, 20 GiB max allocation.
        BufferPlan plan = BufferPlan.of(80 * GIB, 80 * GIB, 20 * GIB, 50 * MIB, false, settings);
        assertThat(plan.bufferBytes()).isEqualTo(GIB);
        assertThat(plan.limitReason()).isEqualTo("the 1024 MiB default for device memory");
        assertThat(plan.notes()).isEmpty();
    }

    @Test
    void aGpuWithALargerCacheGetsFourTimesIt() throws DeviceException {
        // 384 MiB of last-level cache: the buffer grows past the default rather than measure the cache.
        BufferPlan plan = BufferPlan.of(192 * GIB, 190 * GIB, 100 * GIB, 384 * MIB, false, settings);
        assertThat(plan.bufferBytes()).isEqualTo(1536 * MIB);
        assertThat(plan.limitReason()).isEqualTo("4x the 384 MiB cache");
        assertThat(plan.notes()).isEmpty();
    }

    @Test
    void hostMemoryTakesTheSmallerDefaultAndSaysWhatItAssumes() throws DeviceException {
        BufferPlan plan = BufferPlan.of(21 * GIB, null, 8 * GIB, null, true, settings);
        assertThat(plan.bufferBytes()).isEqualTo(256 * MIB);
        assertThat(plan.limitReason()).isEqualTo("the 256 MiB default for host memory");
        assertThat(plan.notes()).containsExactly(
                "the cache size is not reported here; the 256 MiB buffer defeats a cache of up to 64 MiB");
    }

    @Test
    void hostMemoryGrowsWithTheHostsCache() throws DeviceException {
        // A server CPU: 12 x 32 MiB of L3.
        BufferPlan plan = BufferPlan.of(768 * GIB, 700 * GIB, 64 * GIB, 384 * MIB, true, settings);
        assertThat(plan.bufferBytes()).isEqualTo(1536 * MIB);
        assertThat(plan.notes()).isEmpty();
        // A small one: the default already defeats it.
        plan = BufferPlan.of(16 * GIB, 8 * GIB, 4 * GIB, 16 * MIB, true, settings);
        assertThat(plan.bufferBytes()).isEqualTo(256 * MIB);
        assertThat(plan.notes()).isEmpty();
    }

    @Test
    void tenPercentOfFreeMemoryWhenFreeIsKnown() throws DeviceException {
        BufferPlan plan = BufferPlan.of(24 * GIB, 4 * GIB, 8 * GIB, 6 * MIB, false, settings);
        assertThat(plan.bufferBytes()).isEqualTo(409 * MIB);
        assertThat(plan.bufferBytes()).isLessThanOrEqualTo(4 * GIB / 10);
        assertThat(plan.limitReason()).isEqualTo("10% of free memory");
    }

    @Test
    void tenPercentOfTotalWhenFreeIsUnknown() throws DeviceException {
        BufferPlan plan = BufferPlan.of(4_701_447_168L, null, 2 * GIB, 480 * MIB, false, settings);
        assertThat(plan.bufferBytes()).isEqualTo(448 * MIB);
        assertThat(plan.limitReason()).isEqualTo("10% of total (free unknown) memory");
        assertThat(plan.notes()).containsExactly("buffer 448 MiB is below 4x the 480 MiB cache (limited by 10% of "
                + "total (free unknown) memory); cache hits may raise the figure");
    }

    @Test
    void theLargestAllocation() throws DeviceException {
        BufferPlan plan = BufferPlan.of(64 * GIB, 64 * GIB, 512 * MIB, 4 * MIB, false, settings);
        assertThat(plan.bufferBytes()).isEqualTo(512 * MIB);
        assertThat(plan.limitReason()).isEqualTo("the largest single allocation");
    }

    @Test
    void anAbsurdCacheSizeSaturatesAndIsBoundedByMemory() throws DeviceException {
        BufferPlan plan = BufferPlan.of(8 * GIB, 8 * GIB, null, Long.MAX_VALUE / 2, true, settings);
        assertThat(plan.bufferBytes()).isEqualTo(819 * MIB);
        assertThat(plan.limitReason()).isEqualTo("10% of free memory");
    }

    @Test
    void alwaysAWholeNumberOfAlignmentUnits() throws DeviceException {
        BufferPlan plan = BufferPlan.of(3_333_333_333L, 3_000_000_001L, null, null, false, settings);
        assertThat(plan.bufferBytes() % BufferPlan.ALIGN_BYTES).isZero();
        assertThat(plan.bufferBytes()).isLessThanOrEqualTo(300_000_000L);
    }

    @Test
    void refusesWhenTooLittleMemoryIsFree() {
        assertThatThrownBy(() -> BufferPlan.of(GIB, 20 * MIB, null, null, false, settings))
                .isInstanceOf(DeviceException.class)
                .hasMessage("not enough memory to benchmark: 10% of free memory allows 2 MiB, at least 4 MiB needed");
    }
}
