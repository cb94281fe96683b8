package dev.memwall.estimator.fit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precisions;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A decode bound that a real runtime beats on real hardware is a bug. llama.cpp's measured text-generation
 * speeds (github:XiongjieDai/GPU-Benchmarks-on-LLM-Inference/README.md@00dd2bdeb2404263f22bd6c1cd46ce397e341db5,
 * tg 512 for Llama 3, eval speed for Llama 2) must stay under memwall's bound at the card's spec-sheet bandwidth
 * (memwall's hardware catalog). docs/BENCHMARKS.md records the ratios.
 */
class PublicMeasurementsTest {

    @ParameterizedTest(name = "{0} {1} {2}: {5} tok/s measured")
    @CsvSource({
        // card, model, precision, bandwidth B/s, dense FP16 FLOP/s, measured tokens/s
        "RTX 4090, llama-3-8b, fp16, 1008000000000, 330000000000000, 54.84",
        "RTX 4090, llama-3-8b, q4_k_m, 1008000000000, 330000000000000, 130.58",
        "RTX 3090, llama-3-8b, fp16, 936000000000, 142000000000000, 47.40",
        "RTX 3090, llama-3-8b, q4_k_m, 936000000000, 142000000000000, 115.42",
        "A100 80GB PCIe, llama-2-7b, fp16, 1935000000000, 312000000000000, 73.83",
        "A100 80GB PCIe, llama-2-7b, q4_0, 1935000000000, 312000000000000, 136.24",
        "H100 PCIe, llama-2-7b, fp16, 2000000000000, 756000000000000, 83.32",
        "H100 PCIe, llama-2-70b, q4_0, 2000000000000, 756000000000000, 25.88"})
    void noMeasuredSpeedBeatsTheBound(String card, String model, String precision, long bandwidth, long flops,
            double measured) {
        ModelSpec spec = ModelCatalog.builtIn().find(model).orElseThrow().spec();
        var p = Precisions.weight(precision).orElseThrow();
        Capacity device = new Capacity(card, card, 80L << 30, null, null, null, bandwidth, flops, null);
        Roofline r = Roofline.of(spec, p.bitsPerWeight() / 8,
                new Workload(p, Precisions.kvCache("fp16").orElseThrow(), 512, 1, Mode.INFERENCE), device);
        double bound = r.tokensPerSecondPerSequence(1);
        System.out.printf(Locale.ROOT, "%s | %s %s | bound %.1f tok/s | measured %.2f tok/s | %.2f of the bound%n", card,
                model, precision, bound, measured, measured / bound);
        assertThat(bound).isGreaterThan(measured);
    }
}
