package dev.memwall.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code memwall fit} on simulated devices, in-process. */
class FitCommandTest {

    @TempDir
    Path dir;

    @Test
    void llama70bInBf16DoesNotFitOneH100AndSaysWhatDoes() {
        CliTest.Result r = CliTest.run("fit", "llama-3.1-70b", "--simulate", "h100-sxm", "--precision", "bf16");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out()).containsPattern("sim:0 +NVIDIA H100 SXM5 80GB +bf16 +does not fit +134.76 GiB +79.20 GiB +fp8 +- ");
        // Offload: about 45 of 80 bf16 layers (1.7 GiB each with their KV cache) fit beside the fixed parts.
        assertThat(r.out()).containsPattern("sim:0: partial offload would keep 4[0-9] of 80 layers on the device and "
                + "3[0-9] in host memory \\(");
        CliTest.Result auto = CliTest.run("fit", "llama-3.1-70b", "--simulate", "h100-sxm");
        assertThat(auto.code()).isZero();
        assertThat(auto.out()).containsPattern("sim:0 +NVIDIA H100 SXM5 80GB +fp8 +fits now +69.05 GiB +79.20 GiB +fp8 +41,471 ");
    }

    @Test
    void twoH100sFitItInBf16WithTensorParallel() {
        CliTest.Result r = CliTest.run("fit", "llama-3.1-70b", "--simulate", "h100-sxm:count=2", "--precision", "bf16");
        assertThat(r.code()).isZero();
        assertThat(r.out()).containsPattern("sim:0\\+sim:1 \\(tensor parallel x2\\) +NVIDIA H100 SXM5 80GB +bf16 +fits now +67.80 GiB");
    }

    @Test
    void simulateAllRanksTheCatalogsHardware() {
        CliTest.Result r = CliTest.run("fit", "llama-3.1-8b", "--simulate", "all");
        assertThat(r.code()).isZero();
        String[] lines = r.out().split("\n");
        // Heading line, column line, then the best device: one that fits it in bf16 with the fastest decode.
        assertThat(lines[2]).containsPattern("^sim:\\d+ +NVIDIA .* +bf16 +fits now ");
        assertThat(r.out().lines().filter(l -> l.startsWith("sim:")).count()).isGreaterThanOrEqualTo(20);
    }

    @Test
    void jsonHasTheContractKeys() throws Exception {
        CliTest.Result r = CliTest.run("fit", "llama-3.1-8b", "--simulate", "rtx-4090", "--precision", "bf16",
                "--context", "8192", "--json");
        assertThat(r.code()).isZero();
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertThat(doc.get("schema").asText()).isEqualTo("memwall.fit.v1");
        assertThat(doc.get("model").get("id").asText()).isEqualTo("llama-3.1-8b");
        assertThat(doc.get("model").get("parameters").asLong()).isEqualTo(8_030_261_248L);
        assertThat(doc.get("memory").get("weights_bytes").asLong()).isEqualTo(16_060_522_496L);
        assertThat(doc.get("memory").get("kv_cache_bytes").asLong()).isEqualTo(1L << 30);
        assertThat(doc.get("memory").get("total_bytes").asLong()).isGreaterThan(17_000_000_000L);
        JsonNode d = doc.get("devices").get(0);
        assertThat(d.get("fits_now").asBoolean()).isTrue();
        assertThat(d.get("max_context_tokens").asLong()).isPositive();
        assertThat(d.get("best_precision").asText()).isEqualTo("bf16");
        assertThat(d.get("bandwidth_bound").asBoolean()).isTrue();
        // 1008 GB/s over (8.03B - 0.525B) x 2 bytes + 1 GiB of KV cache: about 62 tokens per second at most.
        assertThat(d.get("decode_tokens_per_second_bound").asDouble()).isBetween(60.0, 64.0);
        // The rate expected of a runtime on a GDDR6X NVIDIA GPU at 16 bits, below the bound (llama.cpp measured 54.84
        // tok/s for Llama 3 8B F16 on an RTX 4090 at 256 tokens of context; docs/decode-efficiency.md).
        assertThat(d.get("decode_tokens_per_second_expected").asDouble()).isBetween(40.0, 60.0);
        assertThat(d.get("decode_expected_how").asText()).contains("nvidia_gpu", "16-bit");
        assertThat(d.get("decode_tokens_per_second_routed").asDouble())
                .isEqualTo(d.get("decode_tokens_per_second_bound").asDouble());
    }

    @Test
    void picocliConversionErrorsAreEscapedAndCut() {
        for (String option : List.of("--context", "--batch", "--lora-rank", "--zero")) {
            CliTest.Result r = CliTest.run("fit", "llama-3.1-8b", "--simulate", "rtx-4090", option, "1\u001b[2J\nx");
            assertThat(r.code()).as(option).isEqualTo(2);
            assertThat(r.err()).as(option).contains("1\\u001b[2J\\nx").hasLineCount(1).doesNotContain("\u001b");
        }
        CliTest.Result big = CliTest.run("fit", "llama-3.1-8b", "--simulate", "rtx-4090", "--context",
                "9".repeat(100_000));
        assertThat(big.code()).isEqualTo(2);
        assertThat(big.err()).hasLineCount(1).contains("characters cut]").endsWith("--help')" + System.lineSeparator());
        assertThat(big.err().length()).isLessThan(1200);
    }

    @Test
    void threadsAreLlamaCppsAndBounded() throws Exception {
        CliTest.Result zero = CliTest.run("fit", "llama-3.1-8b", "--simulate", "rtx-4090", "--runtime", "llama.cpp",
                "--threads", "0");
        assertThat(zero.code()).isEqualTo(2);
        assertThat(zero.err()).contains("--threads must be between 1 and 512, was 0");
        CliTest.Result vllm = CliTest.run("fit", "llama-3.1-8b", "--simulate", "rtx-4090", "--runtime", "vllm",
                "--threads", "4");
        assertThat(vllm.code()).isEqualTo(2);
        assertThat(vllm.err()).contains("--threads applies to --runtime llama.cpp only");
        CliTest.Result ok = CliTest.run("fit", "llama-3.1-8b", "--simulate", "rtx-4090", "--runtime", "llama.cpp",
                "--threads", "8", "--json");
        assertThat(ok.code()).isZero();
        JsonNode w = new ObjectMapper().readTree(ok.out()).get("workload");
        assertThat(w.get("threads").asInt()).isEqualTo(8);
        assertThat(w.get("ubatch_tokens").asInt()).isEqualTo(512);
        assertThat(w.get("flash_attention").asBoolean()).isTrue();
    }

    @Test
    void vllmReportsItsKvPoolAndConcurrency() throws Exception {
        CliTest.Result r = CliTest.run("fit", "llama-3.1-8b", "--simulate", "h100-sxm", "--runtime", "vllm", "--json");
        assertThat(r.code()).isZero();
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertThat(doc.get("workload").get("runtime").asText()).isEqualTo("vllm");
        // The current vLLM (0.21): gpu_memory_utilization 0.92 by default, the KV cache in the model's dtype.
        assertThat(doc.get("workload").get("vllm_version").asText()).isEqualTo("0.21.0");
        assertThat(doc.get("workload").get("gpu_memory_utilization").asDouble()).isEqualTo(0.92);
        assertThat(doc.get("workload").get("dtype").asText()).isEqualTo("auto");
        assertThat(doc.get("workload").get("kv_precision").asText()).isEqualTo("bf16");
        JsonNode d = doc.get("devices").get(0);
        // On an H100 vLLM schedules 8192 tokens and 1024 sequences per step (its logs: "Defaulting ...").
        assertThat(d.get("kv_pool").get("max_num_batched_tokens").asInt()).isEqualTo(8192);
        assertThat(d.get("kv_pool").get("max_num_seqs").asInt()).isEqualTo(1024);
        long budget = (long) Math.ceil(85_045_477_376L * 0.92); // requested_memory = ceil(total x utilization)
        // The pool is the budget less weights, activations, non-torch and CUDA graph memory, in 16-token blocks.
        long nonKv = 0;
        for (JsonNode item : d.get("memory").get("items")) {
            String name = item.get("name").asText();
            if (!name.equals("kv_cache") && !name.equals("cuda_context")) {
                nonKv += item.get("bytes").asLong();
            }
        }
        assertThat(d.get("kv_pool").get("bytes").asLong()).isEqualTo(budget - nonKv);
        long tokens = d.get("kv_pool").get("tokens").asLong();
        assertThat(tokens % 16).isZero();
        assertThat(d.get("kv_pool").get("max_concurrency").asDouble()).isCloseTo(tokens / 16 / 512.0,
                org.assertj.core.api.Assertions.within(1e-4));
        // Beside the budget, the CUDA context vLLM creates first: an H100's 0.51 GiB (a vLLM v0.19.0 log).
        assertThat(d.get("available_bytes").asLong()).isEqualTo(budget + 547_608_330L);
    }

    @Test
    void vllmSaysWhenItWouldRefuseToStart() {
        CliTest.Result r = CliTest.run("fit", "llama-3.1-8b", "--simulate", "h100-sxm:free=40GiB", "--runtime", "vllm");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out()).containsPattern("sim:0 +NVIDIA H100 SXM5 80GB +bf16 +fits when idle ")
                .contains("sim:0: vLLM asks for gpu_memory_utilization 0.92 x total = 72.87 GiB at start and 39.49 GiB "
                        + "is free beside the CUDA context: it refuses to start (--gpu-memory-utilization 0.49 would start)");
        CliTest.Result lower = CliTest.run("fit", "llama-3.1-8b", "--simulate", "h100-sxm:free=40GiB", "--runtime",
                "vllm", "--gpu-memory-utilization", "0.49");
        assertThat(lower.code()).isZero();
        assertThat(lower.out()).contains("vLLM 0.21.0 at gpu_memory_utilization 0.49").contains("fits now");
    }

    @Test
    void vllmVersionAndDtypeAreTheLogsOwn() throws Exception {
        // Llama-3.1-8B-Instruct on vLLM 0.19.0, one H100, gpu_memory_utilization 0.95: "GPU KV cache size: 476,016
        // tokens" with --dtype auto (bf16), 175,296 with --dtype float32, whose weights and KV cache are fp32
        // (github.com/llm-d-incubation/llm-d-planner/blob/56dc5b76ca535960998bdf9fd4a3077d98fdf60a/accuracy/results/
        // v0.19.0/logs/meta-llama-llama-3-1-8b---h100-80gb--tp1pp1dp1--8192.log and ...-8192-dtf32.log). The simulated
        // H100 has 79.21 GiB where vLLM saw 79.19, so memwall's pool is a little larger: within 0.2%.
        JsonNode bf16 = fitJson("llama-3.1-8b", "--simulate", "h100-sxm", "--runtime", "vllm", "--vllm-version", "0.19",
                "--gpu-memory-utilization", "0.95");
        assertThat(bf16.get("workload").get("kv_precision").asText()).isEqualTo("bf16");
        assertThat(tokens(bf16)).isCloseTo(476_016, org.assertj.core.api.Assertions.withinPercentage(0.2));
        JsonNode fp32 = fitJson("llama-3.1-8b", "--simulate", "h100-sxm", "--runtime", "vllm", "--vllm-version", "0.19",
                "--gpu-memory-utilization", "0.95", "--dtype", "float32");
        assertThat(fp32.get("workload").get("kv_precision").asText()).isEqualTo("fp32");
        assertThat(fp32.get("devices").get(0).get("precision").asText()).isEqualTo("fp32");
        assertThat(tokens(fp32)).isCloseTo(175_296, org.assertj.core.api.Assertions.withinPercentage(0.2));
        // Asking for the fp32 weights that --dtype float32 loads is the same fit (vLLM upcasts when told).
        assertThat(tokens(fitJson("llama-3.1-8b", "--simulate", "h100-sxm", "--runtime", "vllm", "--vllm-version",
                "0.19", "--gpu-memory-utilization", "0.95", "--dtype", "float32", "--precision", "fp32")))
                .isEqualTo(tokens(fp32));
        // vLLM 0.21 subtracts its CUDA graphs from the same budget: fewer tokens.
        JsonNode v21 = fitJson("llama-3.1-8b", "--simulate", "h100-sxm", "--runtime", "vllm", "--vllm-version", "0.21",
                "--gpu-memory-utilization", "0.95");
        assertThat(tokens(v21)).isLessThan(tokens(bf16));
    }

    private static JsonNode fitJson(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "fit";
        System.arraycopy(args, 0, all, 1, args.length);
        all[all.length - 1] = "--json";
        CliTest.Result r = CliTest.run(all);
        assertThat(r.code()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    private static long tokens(JsonNode doc) {
        return doc.get("devices").get(0).get("kv_pool").get("tokens").asLong();
    }

    @Test
    void llamaCppOffloadGivesTheSplitAndItsDecodeBound() {
        CliTest.Result r = CliTest.run("fit", "llama-3.1-70b", "--simulate", "rtx-4090", "--runtime", "llama.cpp",
                "--precision", "q4_k_m", "--host-bandwidth", "60GB/s", "--explain");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out()).contains("llama.cpp (micro-batch 512, flash attention on, 1.00 GiB kept free)")
                .containsPattern("sim:0: partial offload would keep [0-9]+ of 80 layers on the device and [0-9]+ in "
                        + "host memory \\(.*\\); decode bound [0-9.]+ tok/s with the host layers at 60.0 GB/s \\(host "
                        + "memory read\\)")
                .contains("input_embedding (host)", "output_buffer (host)", "compute_buffer", "llama.cpp's llama graph",
                        "flash attention (an f16 mask per sequence)");
    }

    @Test
    void moeBatchesShowTheExpertsTheyReach() {
        CliTest.Result r = CliTest.run("fit", "mixtral-8x7b", "--simulate", "h100-sxm", "--batch", "16");
        assertThat(r.out()).contains("sim:0: at batch 16 uniform routing reaches 7.9 of 8 experts per layer");
    }

    @Test
    void severalModelsGiveOneDocumentPerLine() throws Exception {
        CliTest.Result r = CliTest.run("fit", "llama-3.1-8b", "qwen2.5-0.5b", "--simulate", "l4", "--json");
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(new ObjectMapper().readTree(lines[1]).get("model").get("id").asText()).isEqualTo("qwen2.5-0.5b");
    }

    @Test
    void explainPrintsEveryItemsFormula() {
        CliTest.Result r = CliTest.run("fit", "deepseek-v3", "--simulate", "h200:count=8", "--explain");
        assertThat(r.out()).contains("kv_cache", "(kv_lora_rank 512 + rope 64) per token per layer x 61 layers",
                "the latent cache replicated on each device", "ridge", "prefill of 8,192 tokens");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--context 0 | memwall: --context must be between 1 and 10000000 tokens, was 0",
        "--context -5 | memwall: --context must be between 1 and 10000000 tokens, was -5",
        "--context 20000000 | memwall: --context must be between 1 and 10000000 tokens, was 20000000",
        "--batch 0 | memwall: --batch must be between 1 and 100000, was 0",
        "--kv-precision q2_k | memwall: unknown KV cache precision 'q2_k' for --kv-precision; known: auto, fp32, fp16, bf16, fp8, fp8_e5m2, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl",
        "--mode sft | memwall: unknown mode 'sft' for --mode; choose inference, training, lora or qlora",
        "--mode qlora --precision int8 | memwall: --mode qlora keeps the base in 4-bit NF4; --precision int8 does not apply (leave it at auto, or use --mode lora)",
        "--mode training --precision int4 | memwall: --mode training trains in mixed precision (fp16/bf16 weights, fp32 master copy); --precision int4 is for inference or a lora base",
        "--recompute some | memwall: unknown recomputation 'some' for --recompute; choose none, selective or full",
        "--lora-rank 0 | memwall: --lora-rank must be between 1 and 65536, was 0",
        "--runtime sglang | memwall: unknown runtime 'sglang' for --runtime; choose generic, vllm or llama.cpp",
        "--runtime vllm --kv-precision q4_0 | memwall: --runtime vllm offers no q4_0 KV cache (--kv-precision); it offers fp16, bf16, fp8, fp8_e5m2",
        "--runtime llama.cpp --kv-precision fp8 | memwall: --runtime llama.cpp offers no fp8 KV cache (--kv-precision); it offers fp32, fp16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1",
        "--runtime llama.cpp --no-flash-attn --kv-precision q8_0 | memwall: llama.cpp needs flash attention for a quantized V cache; --kv-precision q8_0 cannot go with --no-flash-attn",
        "--runtime vllm --mode training | memwall: --runtime vllm is an inference engine; --mode training needs --runtime generic",
        "--runtime vllm --gpu-memory-utilization 1.5 | memwall: --gpu-memory-utilization must be in (0, 1], was 1.5",
        "--runtime vllm --gpu-memory-utilization 0 | memwall: --gpu-memory-utilization must be in (0, 1], was 0.0",
        "--gpu-memory-utilization 0.8 | memwall: --gpu-memory-utilization applies to --runtime vllm only",
        "--runtime vllm --dtype fp16 | memwall: unknown dtype 'fp16' for --dtype; choose auto, half, float16, bfloat16, float or float32",
        "--dtype float32 | memwall: --dtype applies to --runtime vllm only",
        "--runtime vllm --vllm-version latest | memwall: --vllm-version must be a vLLM release such as 0.19 or 0.19.1, was 'latest'",
        "--vllm-version 0.19 | memwall: --vllm-version applies to --runtime vllm only",
        "--runtime vllm --kv-precision fp32 | memwall: --runtime vllm offers no fp32 KV cache (--kv-precision); it offers fp16, bf16, fp8, fp8_e5m2",
        "--runtime vllm --dtype float32 --precision bf16 | memwall: --precision bf16 disagrees with --dtype float32: vLLM loads unquantized weights in its --dtype (leave --precision at auto)",
        "--no-flash-attn | memwall: --no-flash-attn applies to --runtime llama.cpp and to training; the generic runtime's inference keeps no attention scores",
        "--zero 3 | memwall: --zero shards full training over identical devices; it applies to --mode training only (this is --mode inference)",
        "--mode lora --zero 2 | memwall: --zero shards full training over identical devices; it applies to --mode training only (this is --mode lora)",
        "--min-precision 1bit | memwall: unknown precision class '1bit' for --min-precision; choose one of 32bit, 16bit, 8bit, 6bit, 5bit, 4bit, 3bit, 2bit, or a precision's name",
        "--precision fp32 | memwall: llama-3.1-8b is published in bf16; fp32 would be above it (more memory, no more quality)",
        "--runtime llama.cpp --precision int4 | memwall: llama.cpp does not serve int4 weights; it serves fp32, fp16, bf16, q8_0, q6_k, q5_k_m, q5_k_s, q4_k_m, q4_k_s, q4_0, q3_k_l, q3_k_m, q3_k_s, q2_k, mxfp4",
        "--runtime vllm --precision q4_k_m | memwall: vllm does not serve q4_k_m weights; it serves fp32, fp16, bf16, fp8, int8, int4, nf4, nf4_dq, mxfp4, nvfp4",
        "--host-bandwidth fast | memwall: --host-bandwidth: 'fast' is not a bandwidth; give a number with a unit (B/s, KB/s, MB/s, GB/s, TB/s, or the KiB/s family)"})
    void badWorkloadsAreOneLineAndExitTwo(String args, String message) {
        String[] extra = args.split(" ");
        String[] all = new String[4 + extra.length];
        all[0] = "fit";
        all[1] = "llama-3.1-8b";
        all[2] = "--simulate";
        all[3] = "l4";
        System.arraycopy(extra, 0, all, 4, extra.length);
        CliTest.Result r = CliTest.run(all);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo(message + System.lineSeparator());
    }

    @Test
    void unknownPrecisionAndAPrecisionAFileCannotTake() throws Exception {
        CliTest.Result r = CliTest.run("fit", "llama-3.1-8b", "--simulate", "l4", "--precision", "int3");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("memwall: unknown precision 'int3' for --precision; known: auto, fp32, bf16");
        Path config = Files.createDirectories(dir.resolve("m"));
        Files.writeString(config.resolve("w.safetensors"), "");
        CliTest.Result file = CliTest.run("fit", config.resolve("w.safetensors").toString(), "--simulate", "l4");
        assertThat(file.code()).isEqualTo(2);
        assertThat(file.err()).hasLineCount(1).startsWith("memwall: " + config.resolve("w.safetensors") + ": ");
    }

    @Test
    void gptOssIsOfferedAtTheMxfp4ItIsPublishedIn() throws Exception {
        // gpt-oss ships MXFP4 routed experts and bf16 for the rest (model card, arXiv 2508.10925, section 2.1 and
        // Table 1: a 12.8 GiB checkpoint for the 20b).
        CliTest.Result r = CliTest.run("fit", "gpt-oss-20b", "--simulate", "h100-sxm", "--json");
        assertThat(r.code()).isZero();
        JsonNode d = new ObjectMapper().readTree(r.out()).get("devices").get(0);
        assertThat(d.get("precision").asText()).isEqualTo("mxfp4");
        assertThat(d.get("best_precision").asText()).isEqualTo("mxfp4");
        long weights = d.get("memory").get("weights_bytes").asLong();
        assertThat(weights / (double) (1L << 30)).isCloseTo(12.8, org.assertj.core.api.Assertions.within(0.2));
        // Never above what it ships in.
        CliTest.Result bf16 = CliTest.run("fit", "gpt-oss-20b", "--simulate", "h100-sxm", "--precision", "bf16");
        assertThat(bf16.code()).isEqualTo(2);
        assertThat(bf16.err()).isEqualTo("memwall: gpt-oss-20b is published with mxfp4 experts and bf16 for the rest; "
                + "it is offered at mxfp4 only, not bf16" + System.lineSeparator());
    }

    @Test
    void twoBitFormatsAreOfferedOnlyWhenAsked() throws Exception {
        // Llama-3.1-70B on a 24 GB card: nothing of the 4-bit class fits, so nothing is proposed unless a lower class
        // is allowed.
        CliTest.Result r = CliTest.run("fit", "llama-3.1-70b", "--simulate", "rtx-4090", "--json");
        JsonNode d = new ObjectMapper().readTree(r.out()).get("devices").get(0);
        assertThat(d.get("state").asText()).isEqualTo("does_not_fit");
        assertThat(d.get("best_precision").isNull()).isTrue();
        assertThat(d.get("precision").asText()).isEqualTo("bf16");
        assertThat(d.get("decode_tokens_per_second_bound").isNull()).isTrue();
        assertThat(d.get("max_context_tokens").isNull()).isTrue();
        CliTest.Result low = CliTest.run("fit", "llama-3.1-70b", "--simulate", "rtx-4090", "--min-precision", "2bit",
                "--json");
        JsonNode l = new ObjectMapper().readTree(low.out()).get("devices").get(0);
        assertThat(l.get("best_precision").asText()).isIn("q2_k", "int2");
    }

    @Test
    void noCudaContextWhereThereIsNoCuda() throws Exception {
        for (String spec : List.of("m4-max-128gb", "mi300x")) {
            CliTest.Result r = CliTest.run("fit", "llama-3.1-8b", "--simulate", spec, "--json");
            JsonNode items = new ObjectMapper().readTree(r.out()).get("devices").get(0).get("memory").get("items");
            for (JsonNode item : items) {
                assertThat(item.get("name").asText()).as(spec).isNotEqualTo("cuda_context");
            }
        }
        // The HIP runtime's own share on AMD (0.33 GiB at a vLLM start on an MI300X).
        CliTest.Result amd = CliTest.run("fit", "llama-3.1-8b", "--simulate", "mi300x", "--json");
        assertThat(amd.out()).contains("\"name\": \"hip_runtime\"");
        // An Apple GPU may use Metal's working set, 3/4 of 128 GiB, not the whole memory.
        CliTest.Result mac = CliTest.run("fit", "llama-3.1-70b", "--simulate", "m4-max-128gb", "--json");
        JsonNode d = new ObjectMapper().readTree(mac.out()).get("devices").get(0);
        assertThat(d.get("available_bytes").asLong()).isEqualTo(96L << 30);
    }

    @Test
    void anMi250xIsTheTwoDevicesARuntimeSees() {
        CliTest.Result r = CliTest.run("probe", "--simulate", "mi250x", "--no-bench");
        assertThat(r.out()).containsPattern("sim:0 +simulated +AMD Instinct MI250X 128GB \\(OAM, 2 GCDs\\), one of its 2 devices +64.00 GiB")
                .containsPattern("sim:1 +simulated +AMD Instinct MI250X .* +64.00 GiB");
    }

    @Test
    void trainingShowsNoDecodeAndLoraActivationsUseFlashAttention() {
        CliTest.Result r = CliTest.run("fit", "llama-3.1-8b", "--simulate", "h100-sxm", "--mode", "lora", "--explain");
        assertThat(r.out()).doesNotContain("DECODE BOUND", "decode step", "prefill of", "ridge");
        // 32 layers x 8192 x 4096 x 34 bytes + fp32 logits: about 36 GiB, not the 354 GiB of stored s x s scores.
        assertThat(r.out()).containsPattern("activations +3[0-9]\\.[0-9]{2} GiB");
        CliTest.Result old = CliTest.run("fit", "llama-3.1-8b", "--simulate", "h100-sxm", "--mode", "lora",
                "--no-flash-attn", "--explain");
        assertThat(old.out()).containsPattern("activations +3[0-9]{2}\\.[0-9]{2} GiB");
    }

    @ParameterizedTest
    @CsvSource({"fit, model.gguf", "inspect, model.gguf", "fit, folder/config.json", "inspect, folder/model.safetensors"})
    void aFifoAsAModelFileIsRefusedInOneLine(String command, String layout) throws Exception {
        Path fifo = dir.resolve(layout);
        Files.createDirectories(fifo.getParent());
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        Assumptions.assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo");
        String model = layout.startsWith("folder/") ? fifo.getParent().toString() : fifo.toString();
        // Opening a FIFO blocks until a writer comes: a regression hangs, so bound it.
        CliTest.Result r = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> CliTest.run(command, model));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("memwall: " + fifo + ": is not a regular file (a FIFO); memwall reads regular "
                + "files only" + System.lineSeparator());
    }
}
