package dev.memwall.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private final BenchmarkSettings settings = new BenchmarkSettings(1, 3, 20, 0.02, 10.0, 1L << 30, 256L << 20,
            0.10, 4, 1);

    private static Sampler.Sample of(Double... seconds) {
        Iterator<Double> it = List.of(seconds).iterator();
        return it::next;
    }

    @Test
    void stopsAtTheFirstThreeThatAgreeWithinTwoPercent() throws DeviceException {
        // A slow first pass (page faults, a core still waking up), then a steady figure.
        Sampler.Samples s = Sampler.take(of(2.0, 1.3, 1.0, 1.01, 1.015, 9.9), settings, "test");
        assertThat(s.seconds()).containsExactly(2.0, 1.3, 1.0, 1.01, 1.015);
        assertThat(s.converged()).isTrue();
    }

    @Test
    void threeJustOutsideTheToleranceDoNotStopIt() throws DeviceException {
        Sampler.Samples s = Sampler.take(of(1.0, 1.021, 1.0, 1.0, 1.0), settings, "test");
        // 1.0, 1.021, 1.0 differ by 2.1%; 1.021, 1.0, 1.0 too; 1.0, 1.0, 1.0 agree.
        assertThat(s.seconds()).hasSize(5);
        assertThat(s.converged()).isTrue();
    }

    @Test
    void stopsAtTheCapWhenItNeverSettles() throws DeviceException {
        Sampler.Sample alternating = new Sampler.Sample() {
            int n;

            @Override
            public double seconds() {
                return n++ % 2 == 0 ? 1.0 : 1.5;
            }
        };
        Sampler.Samples s = Sampler.take(alternating, settings, "test");
        assertThat(s.seconds()).hasSize(20);
        assertThat(s.converged()).isFalse();
    }

    @Test
    void stopsWhenTheTimeIsUpOnceTheMinimumIsIn() throws DeviceException {
        BenchmarkSettings quick = new BenchmarkSettings(1, 3, 20, 0.02, 0.05, 1L << 30, 256L << 20, 0.10, 4, 1);
        Sampler.Sample slowAndNoisy = new Sampler.Sample() {
            int n;

            @Override
            public double seconds() throws DeviceException {
                try {
                    Thread.sleep(30);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DeviceException("interrupted");
                }
                return 1.0 + (n++ % 3) * 0.1;
            }
        };
        Sampler.Samples s = Sampler.take(slowAndNoisy, quick, "test");
        assertThat(s.seconds()).hasSize(3);
        assertThat(s.converged()).isFalse();
    }

    @Test
    void theFigureIsTheMedianOfEverySampleWithItsSpread() {
        Sampler.Samples s = Sampler.Samples.of(new double[] {2.0, 1.0, 1.0, 1.0, 1.25}, 3, 0.02);
        BandwidthMeasurement m = BandwidthMeasurement.ofSamples(BandwidthKind.READ, 1_000, 1_000, s, 6.0,
                "test", List.of());
        assertThat(m.bytesPerSecond()).isEqualTo(1_000);
        assertThat(m.minBytesPerSecond()).isEqualTo(500);
        assertThat(m.maxBytesPerSecond()).isEqualTo(1_000);
        assertThat(m.spread()).isEqualTo(0.5);
        assertThat(m.converged()).isFalse();
        assertThat(m.samples()).isEqualTo(5);
    }
}
