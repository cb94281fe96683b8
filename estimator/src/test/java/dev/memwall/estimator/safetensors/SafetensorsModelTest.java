package dev.memwall.estimator.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SafetensorsModelTest {
    /** One 4096 x 4096 linear layer: 4096 * 4096 = 16,777,216 weights. */
    private static final long LAYER = 4096L * 4096;

    @TempDir
    Path dir;

    private SafetensorsModel model(SafetensorsWriter w, int bits) throws Exception {
        return SafetensorsModel.of(SafetensorsReader.read(w.write(dir.resolve("model.safetensors"))), bits);
    }

    private SafetensorsModel model(SafetensorsWriter w) throws Exception {
        return model(w, SafetensorsModel.DEFAULT_BITS);
    }

    @Test
    void plainModelCountsEveryElement() throws Exception {
        SafetensorsModel m = model(new SafetensorsWriter()
                .tensor("model.embed_tokens.weight", SafetensorsDtype.BF16, 32, 8)
                .tensor("model.layers.0.self_attn.q_proj.weight", SafetensorsDtype.BF16, 8, 8)
                .tensor("model.layers.0.input_layernorm.weight", SafetensorsDtype.F32, 8)
                .tensor("model.norm.weight", SafetensorsDtype.F32, 8)
                .tensor("lm_head.weight", SafetensorsDtype.F8_E4M3, 32, 8));

        assertThat(m.quantization()).isEqualTo(QuantizationScheme.NONE);
        // 256 + 64 + 8 + 8 + 256 elements; bytes 2*(256+64) + 4*16 + 256
        assertThat(m.parameterCount()).isEqualTo(592);
        assertThat(m.elementsByDtype()).containsExactly(Map.entry(SafetensorsDtype.F8_E4M3, 256L),
                Map.entry(SafetensorsDtype.BF16, 320L), Map.entry(SafetensorsDtype.F32, 16L));
        assertThat(m.bytesByDtype()).containsExactly(Map.entry(SafetensorsDtype.F8_E4M3, 256L),
                Map.entry(SafetensorsDtype.BF16, 640L), Map.entry(SafetensorsDtype.F32, 64L));
        assertThat(m.totalBytes()).isEqualTo(960).isEqualTo(m.parameterBytes());
        assertThat(m.overheadBytes()).isZero();
        assertThat(m.tensors()).allMatch(t -> t.role() == TensorRole.PARAMETER && t.shard().equals("model.safetensors"));
        assertThat(m.declaredTotalSize()).isEmpty();
        assertThat(m.notes()).isEmpty();
    }

    @Test
    void gptqUnpacksQweightAndLeavesOverheadOut() throws Exception {
        SafetensorsModel m = model(new SafetensorsWriter().gptqLinear("model.layers.0.mlp.down_proj", 4096, 4096, 128, 4));

        assertThat(m.quantization()).isEqualTo(QuantizationScheme.GPTQ);
        // qweight [512, 4096] I32 = 2,097,152 words x 8 values, plus the F16 bias [4096]
        assertThat(m.parameterCount()).isEqualTo(LAYER + 4096).isEqualTo(16_781_312L);
        assertThat(m.elementsByDtype().get(SafetensorsDtype.I32)).isEqualTo(512L * 4096 + 32 * 512 + 4096);
        // qzeros [32, 512] I32 + scales [32, 4096] F16 + g_idx [4096] I32
        assertThat(m.overheadBytes()).isEqualTo(32 * 512 * 4 + 32 * 4096 * 2 + 4096 * 4);
        assertThat(m.parameterBytes()).isEqualTo(LAYER / 2 + 4096 * 2);
        assertThat(m.totalBytes()).isEqualTo(m.parameterBytes() + m.overheadBytes());
        assertThat(m.tensors()).extracting(ModelTensor::role).containsExactly(TensorRole.PACKED_PARAMETER,
                TensorRole.QUANTIZATION_OVERHEAD, TensorRole.QUANTIZATION_OVERHEAD, TensorRole.QUANTIZATION_OVERHEAD,
                TensorRole.PARAMETER);
    }

    @Test
    void awqPacksTheOutputDimension() throws Exception {
        SafetensorsModel m = model(new SafetensorsWriter().awqLinear("model.layers.0.mlp.down_proj", 4096, 4096, 128, 4));

        assertThat(m.quantization()).isEqualTo(QuantizationScheme.AWQ);
        assertThat(m.parameterCount()).isEqualTo(LAYER);
        assertThat(m.overheadBytes()).isEqualTo(32 * 512 * 4 + 32 * 4096 * 2);
    }

    @Test
    void qweightAloneCannotTellGptqFromAwq() throws Exception {
        SafetensorsModel m = model(new SafetensorsWriter()
                .tensor("model.layers.0.mlp.up_proj.qweight", SafetensorsDtype.I32, 512, 4096));

        assertThat(m.quantization()).isEqualTo(QuantizationScheme.GPTQ_OR_AWQ);
        assertThat(m.quantization().label()).isEqualTo("gptq-or-awq");
        assertThat(m.parameterCount()).isEqualTo(LAYER);
    }

    @Test
    void gIdxSettlesTheLayoutWithoutScales() throws Exception {
        SafetensorsModel m = model(new SafetensorsWriter()
                .tensor("l.qweight", SafetensorsDtype.I32, 512, 4096)
                .tensor("l.g_idx", SafetensorsDtype.I32, 4096));
        assertThat(m.quantization()).isEqualTo(QuantizationScheme.GPTQ);
        assertThat(m.parameterCount()).isEqualTo(LAYER);
    }

    @ParameterizedTest(name = "{0}-bit")
    @CsvSource({
        // bits, qweight rows = 4096 * bits / 32
        "2, 256",
        "3, 384",
        "4, 512",
        "8, 1024"})
    void bitsFromTheConfigSetTheUnpacking(int bits, long rows) throws Exception {
        SafetensorsModel m = model(new SafetensorsWriter().gptqLinear("model.layers.0.mlp.down_proj", 4096, 4096, 128,
                bits), bits);

        assertThat(m.tensors().get(0).tensor().dimension(0)).isEqualTo(rows);
        assertThat(m.parameterCount()).isEqualTo(LAYER + 4096);
        assertThat(m.quantization()).isEqualTo(QuantizationScheme.GPTQ);
        assertThat(m.bits()).isEqualTo(bits);
    }

    @Test
    void wrongBitsMiscountAsTheyShould() throws Exception {
        // An 8-bit checkpoint read with the default 4 bits: twice the parameters. The override matters.
        SafetensorsModel m = model(new SafetensorsWriter().tensor("l.qweight", SafetensorsDtype.I32, 1024, 4096));
        assertThat(m.parameterCount()).isEqualTo(2 * LAYER);
    }

    @Test
    void bitsandbytes4BitHoldsTwoWeightsPerByte() throws Exception {
        SafetensorsModel m = model(new SafetensorsWriter()
                .bnb4Linear("model.layers.0.self_attn.q_proj", 4096, 4096)
                .tensor("model.layers.0.input_layernorm.weight", SafetensorsDtype.F16, 4096));

        assertThat(m.quantization()).isEqualTo(QuantizationScheme.BITSANDBYTES_4BIT);
        // weight U8 [8388608, 1] x 2 = 16,777,216, plus the norm
        assertThat(m.parameterCount()).isEqualTo(LAYER + 4096);
        // absmax U8 [262144] + nested_absmax F32 [1024] + nested_quant_map F32 [256] + quant_map F32 [16] + state
        assertThat(m.overheadBytes()).isEqualTo(262_144 + 1024 * 4 + 256 * 4 + 16 * 4 + 105);
        assertThat(m.parameterBytes()).isEqualTo(LAYER / 2 + 4096 * 2);
    }

    @Test
    void bitsandbytes4BitFp4IsRecognisedToo() throws Exception {
        SafetensorsModel m = model(new SafetensorsWriter()
                .tensor("l.weight", SafetensorsDtype.U8, 32, 1)
                .tensor("l.weight.absmax", SafetensorsDtype.F32, 1)
                .tensor("l.weight.quant_state.bitsandbytes__fp4", SafetensorsDtype.U8, 80));
        assertThat(m.quantization()).isEqualTo(QuantizationScheme.BITSANDBYTES_4BIT);
        assertThat(m.parameterCount()).isEqualTo(64);
        assertThat(m.overheadBytes()).isEqualTo(84);
    }

    @Test
    void bitsandbytes8BitHoldsOneWeightPerByte() throws Exception {
        SafetensorsModel m = model(new SafetensorsWriter().bnb8Linear("model.layers.0.self_attn.q_proj", 4096, 4096));

        assertThat(m.quantization()).isEqualTo(QuantizationScheme.BITSANDBYTES_8BIT);
        assertThat(m.parameterCount()).isEqualTo(LAYER);
        assertThat(m.overheadBytes()).isEqualTo(4096 * 4 + 1); // SCB F32 [4096] + weight_format U8 scalar
    }

    @Test
    void unrelatedTensorsNamedLikeOverheadStayParameters() throws Exception {
        // A "scales" tensor with no qweight beside it, and a U8 weight without a quant state.
        SafetensorsModel m = model(new SafetensorsWriter()
                .tensor("film.scales", SafetensorsDtype.F32, 10)
                .tensor("ids.weight", SafetensorsDtype.U8, 6)
                .tensor("q.qweight", SafetensorsDtype.F16, 4));
        assertThat(m.quantization()).isEqualTo(QuantizationScheme.NONE);
        assertThat(m.parameterCount()).isEqualTo(20);
    }

    @Test
    void twoSchemesAreMixed() throws Exception {
        SafetensorsModel m = model(new SafetensorsWriter()
                .gptqLinear("model.layers.0.mlp", 256, 256, 128, 4)
                .bnb8Linear("model.layers.1.mlp", 64, 64));
        assertThat(m.quantization()).isEqualTo(QuantizationScheme.MIXED);
        assertThat(m.parameterCount()).isEqualTo(256 * 256 + 256 + 64 * 64);
    }

    @ParameterizedTest
    @CsvSource({
        "model.layers.12.self_attn.q_proj.weight, 12",
        "transformer.h.3.attn.c_attn.weight, 3",
        "model.language_model.layers.7.mlp.up_proj.weight, 7",
        "blocks.2.attn.qkv.weight, 2",
        "layers.0.weight, 0",
        "model.embed_tokens.weight, -1",
        "lm_head.weight, -1",
        "model.layers.weight, -1",
        "model.layers.1234567890.weight, -1",
        "model.headlayers.3.weight, -1"})
    void findsTheLayerIndex(String name, int layer) {
        assertThat(SafetensorsModel.layer(name)).isEqualTo(layer);
    }

    @Test
    void groupsTensorsByLayer() throws Exception {
        SafetensorsModel m = model(new SafetensorsWriter()
                .tensor("model.embed_tokens.weight", SafetensorsDtype.F16, 4)
                .tensor("model.layers.1.mlp.weight", SafetensorsDtype.F16, 4)
                .tensor("model.layers.0.mlp.weight", SafetensorsDtype.F16, 4)
                .tensor("model.layers.1.attn.weight", SafetensorsDtype.F16, 4)
                .tensor("lm_head.weight", SafetensorsDtype.F16, 4));

        Map<Integer, List<ModelTensor>> layers = m.tensorsByLayer();

        assertThat(layers.keySet()).containsExactly(-1, 0, 1);
        assertThat(layers.get(-1)).extracting(ModelTensor::name).containsExactly("model.embed_tokens.weight",
                "lm_head.weight");
        assertThat(layers.get(1)).extracting(ModelTensor::name).containsExactly("model.layers.1.mlp.weight",
                "model.layers.1.attn.weight");
    }

    @Test
    void refusesBitsThatNoPackerUses() throws Exception {
        SafetensorsFile f = SafetensorsReader.read(new SafetensorsWriter().tensor("x", SafetensorsDtype.F16, 2)
                .write(dir.resolve("x.safetensors")));
        assertThatThrownBy(() -> SafetensorsModel.of(f, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bits must be 2, 3, 4 or 8, was 5");
    }
}
