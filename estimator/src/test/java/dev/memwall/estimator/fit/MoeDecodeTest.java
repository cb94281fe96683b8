package dev.memwall.estimator.fit;

import static dev.memwall.estimator.fit.FitFactsTest.BF16;
import static dev.memwall.estimator.fit.FitFactsTest.KV16;
import static dev.memwall.estimator.fit.FitFactsTest.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.model.Moe;
import org.junit.jupiter.api.Test;

/** Mixture-of-experts decode: a batch reads the experts its tokens reach, once each. */
class MoeDecodeTest {

    static final Capacity H100 = new Capacity("sim:0", "H100", 85_045_477_376L, null, null, null,
            3_350_000_000_000L, 989_000_000_000_000L, null);

    @Test
    void expectedExpertsGrowFromKTowardsAll() {
        // Mixtral: 8 experts, 2 per token. One token reaches 2; 16 reach 8 x (1 - (6/8)^16) = 7.92 on average.
        assertThat(Moe.expectedExpertsTouched(8, 2, 1)).isEqualTo(2.0);
        assertThat(Moe.expectedExpertsTouched(8, 2, 16)).isCloseTo(8 * (1 - Math.pow(0.75, 16)), within(1e-12));
        assertThat(Moe.expectedExpertsTouched(8, 2, 100_000)).isCloseTo(8.0, within(1e-9));
        double previous = 0;
        for (int b = 1; b <= 512; b++) {
            double touched = Moe.expectedExpertsTouched(128, 8, b);
            assertThat(touched).isGreaterThanOrEqualTo(previous).isLessThanOrEqualTo(128);
            previous = touched;
        }
    }

    @Test
    void theBoundKeepsKExpertsAndTheExpectedFigureAddsTheRest() {
        ModelSpec s = model("mixtral-8x7b");
        Roofline r = Roofline.of(s, 2, new Workload(BF16, KV16, 4096, 1, Mode.INFERENCE), H100);
        double expert = s.routedExpertParameters() * (double) s.moeLayers() * 2;
        assertThat(r.expertBytes()).isEqualTo(expert);
        assertThat(r.expectedWeightBytesPerStep(1)).isEqualTo(r.weightBytesPerStep());
        assertThat(r.expectedWeightBytesPerStep(16)).isCloseTo(r.weightBytesPerStep()
                + expert * (Moe.expectedExpertsTouched(8, 2, 16) - 2), within(1.0));
        // At batch 16 nearly every expert is read: close to the whole model's layer weights.
        assertThat(r.expectedWeightBytesPerStep(16)).isGreaterThan(0.95 * (s.activeParametersWithoutInputEmbedding()
                + 6 * s.routedExpertParameters() * (double) s.moeLayers()) * 2);
        assertThat(r.expectedTokensPerSecondPerSequence(16)).isLessThan(r.tokensPerSecondPerSequence(16));
        assertThat(r.expectedTokensPerSecondPerSequence(1)).isEqualTo(r.tokensPerSecondPerSequence(1));
    }

    @Test
    void moeTurnsComputeBoundLaterThanKExpertsAloneWouldSay() {
        // A short context: at long ones each sequence's KV cache grows as fast as its work and decode never turns.
        ModelSpec s = model("qwen3-30b-a3b");
        Roofline r = Roofline.of(s, 2, new Workload(BF16, KV16, 64, 1, Mode.INFERENCE), H100);
        Integer critical = r.criticalBatch();
        assertThat(critical).isNotNull();
        assertThat(r.bandwidthBound(critical)).isFalse();
        assertThat(r.bandwidthBound(critical - 1)).isTrue();
        // With k experts per step the closed form would answer sooner.
        double ridge = r.ridge();
        double kOnly = Math.ceil(ridge * r.weightBytesPerStep() / (r.flopsPerSequence() - ridge * r.kvBytesPerSequence()));
        assertThat(critical).isGreaterThan((int) kOnly);
    }

    @Test
    void denseModelsAreUnchanged() {
        Roofline r = Roofline.of(model("llama-3.1-8b"), 2, new Workload(BF16, KV16, 4096, 1, Mode.INFERENCE), H100);
        assertThat(r.expertBytes()).isZero();
        for (int b : new int[] {1, 7, 64, 300}) {
            assertThat(r.expectedBytesPerStep(b)).isEqualTo(r.bytesPerStep(b));
        }
    }
}
