package dev.memwall.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BufferPlanTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private final BenchmarkSettings settings = new BenchmarkSettings(1, 5, GIB, 0.10, 4, 1);

    @Test
    void bigGpuIsCappedAtOneGib() throws DeviceException {
        // An H100: 80 GiB free, 50 MiB L2, 20 GiB max allocation.
        BufferPlan plan = BufferPlan.of(80 * GIB, 80 * GIB, 20 * GIB, 50 * MIB, settings);
        assertThat(plan.bufferBytes()).isEqualTo(GIB);
        assertThat(plan.limitReason()).isEqualTo("the 1024 MiB cap");
        assertThat(plan.notes()).isEmpty();
    }

    @Test
    void tenPercentOfFreeMemoryWhenFreeIsKnown() throws DeviceException {
        BufferPlan plan = BufferPlan.of(24 * GIB, 4 * GIB, 8 * GIB, 6 * MIB, settings);
        assertThat(plan.bufferBytes()).isEqualTo(409 * MIB);
        assertThat(plan.bufferBytes()).isLessThanOrEqualTo(4 * GIB / 10);
        assertThat(plan.limitReason()).isEqualTo("10% of free memory");
    }

    @Test
    void tenPercentOfTotalWhenFreeIsUnknown() throws DeviceException {
        BufferPlan plan = BufferPlan.of(4_701_447_168L, null, 2 * GIB, 480 * MIB, settings);
        assertThat(plan.bufferBytes()).isEqualTo(448 * MIB);
        assertThat(plan.limitReason()).isEqualTo("10% of total (free unknown) memory");
        assertThat(plan.notes()).containsExactly("buffer 448 MiB is below 4x the 480 MiB cache (limited by 10% of "
                + "total (free unknown) memory); cache hits may raise the figure");
    }

    @Test
    void halfTheLargestAllocation() throws DeviceException {
        BufferPlan plan = BufferPlan.of(64 * GIB, 64 * GIB, GIB, 4 * MIB, settings);
        assertThat(plan.bufferBytes()).isEqualTo(512 * MIB);
        assertThat(plan.limitReason()).isEqualTo("half the largest single allocation");
    }

    @Test
    void alwaysAWholeNumberOfAlignmentUnits() throws DeviceException {
        BufferPlan plan = BufferPlan.of(3_333_333_333L, 3_000_000_001L, null, null, settings);
        assertThat(plan.bufferBytes() % BufferPlan.ALIGN_BYTES).isZero();
        assertThat(plan.bufferBytes()).isLessThanOrEqualTo(300_000_000L);
    }

    @Test
    void refusesWhenTooLittleMemoryIsFree() {
        assertThatThrownBy(() -> BufferPlan.of(GIB, 20 * MIB, null, null, settings))
                .isInstanceOf(DeviceException.class)
                .hasMessage("not enough memory to benchmark: 10% of free memory allows 2 MiB, at least 4 MiB needed");
    }
}
