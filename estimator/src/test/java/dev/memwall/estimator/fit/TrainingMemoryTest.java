package dev.memwall.estimator.fit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precisions;
import org.junit.jupiter.api.Test;

class TrainingMemoryTest {

    static ModelSpec llama2_7b() {
        return ModelCatalog.builtIn().find("llama-2-7b").orElseThrow().spec();
    }

    @Test
    void loraAdaptersMatchWhatPeftPrints() {
        // Hugging Face PEFT on Llama-2-7B, LoraConfig(r=16, target_modules="all-linear"), print_trainable_parameters:
        // "trainable params: 39,976,960 || all params: 6,778,392,576" (widely quoted; 6,738,415,616 base + adapters).
        assertThat(MemoryAccounting.loraParameters(llama2_7b(), 16)).isEqualTo(39_976_960L);
        assertThat(llama2_7b().parameters() + 39_976_960L).isEqualTo(6_778_392_576L);
    }

    @Test
    void activationsFollowKorthikantiForEachRecomputation() {
        // s*b*h*(34 + 5as/h) per layer: 2048 tokens, batch 1, h 4096, 32 heads: 2048*4096*(34 + 5*32*2048/4096)
        // = 2048*4096*114 bytes; selective keeps the 34, full only the 2-byte layer input.
        assertThat(Recompute.NONE.bytesPerLayer(2048, 1, 4096, 32)).isEqualTo(2048.0 * 4096 * 114);
        assertThat(Recompute.SELECTIVE.bytesPerLayer(2048, 1, 4096, 32)).isEqualTo(2048.0 * 4096 * 34);
        assertThat(Recompute.FULL.bytesPerLayer(2048, 1, 4096, 32)).isEqualTo(2048.0 * 4096 * 2);
    }

    @Test
    void qloraKeepsTheBaseIn4BitAndTrainsOnlyTheAdapters() {
        ModelSpec s = llama2_7b();
        Workload q = new Workload(Precisions.weight("nf4_dq").orElseThrow(), Precisions.kvCache("fp16").orElseThrow(),
                512, 1, Mode.QLORA, Recompute.FULL, 16);
        MemoryEstimate e = MemoryAccounting.estimate(s, null, q, 1, null);
        assertThat(e.bytes("weights")).isEqualTo(Precisions.weight("nf4_dq").orElseThrow().bytes(s.parameters()));
        assertThat(e.bytes("adapters_and_optimizer")).isEqualTo(39_976_960L * 16);
        assertThat(e.bytes("activations")).isEqualTo(32L * 512 * 4096 * 2);
        assertThat(e.bytes("kv_cache")).isZero();
        // Far less than full training of the same model.
        Workload full = new Workload(Precisions.weight("bf16").orElseThrow(), Precisions.kvCache("fp16").orElseThrow(),
                512, 1, Mode.TRAINING, Recompute.FULL, 16);
        assertThat(e.totalBytes()).isLessThan(MemoryAccounting.estimate(s, null, full, 1, null).totalBytes() / 10);
    }
}
