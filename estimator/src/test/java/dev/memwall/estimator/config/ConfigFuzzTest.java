package dev.memwall.estimator.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.EstimateTooLargeException;
import dev.memwall.estimator.fit.FitPlanner;
import dev.memwall.estimator.fit.Mode;
import dev.memwall.estimator.fit.Workload;
import dev.memwall.estimator.io.ModelFormatException;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precisions;
import dev.memwall.estimator.testing.Fuzz;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated config.json files (wild numbers, wrong types, dropped keys, broken syntax) either read or are refused
 * with a {@link ModelFormatException}; one that reads must then survive a fit without an arithmetic overflow or
 * any other exception.
 */
class ConfigFuzzTest {

    private static final long SEED = 0xc0f1_6L;
    private static final int CASES = Fuzz.cases(3000);
    private static final List<String> SEEDS = List.of(
            """
            {"model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32,
             "num_hidden_layers": 32, "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 131072,
             "tie_word_embeddings": false, "torch_dtype": "bfloat16"}""",
            """
            {"model_type": "mixtral", "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32,
             "num_hidden_layers": 32, "num_key_value_heads": 8, "vocab_size": 32000, "max_position_embeddings": 32768,
             "num_local_experts": 8, "num_experts_per_tok": 2, "sliding_window": null, "torch_dtype": "bfloat16"}""",
            """
            {"model_type": "deepseek_v3", "hidden_size": 7168, "intermediate_size": 18432,
             "moe_intermediate_size": 2048, "num_attention_heads": 128, "num_key_value_heads": 128,
             "num_hidden_layers": 61, "vocab_size": 129280, "max_position_embeddings": 163840,
             "n_routed_experts": 256, "n_shared_experts": 1, "num_experts_per_tok": 8, "first_k_dense_replace": 3,
             "q_lora_rank": 1536, "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64,
             "v_head_dim": 128, "tie_word_embeddings": false}""",
            """
            {"model_type": "gemma2", "hidden_size": 3584, "intermediate_size": 14336, "num_attention_heads": 16,
             "num_hidden_layers": 42, "num_key_value_heads": 8, "head_dim": 256, "vocab_size": 256000,
             "max_position_embeddings": 8192, "sliding_window": 4096, "torch_dtype": "float32"}""");
    private static final String[] WILD = {"0", "-1", "1", "2147483648", "9223372036854775807", "1e308", "-1e308",
        "1.5", "NaN", "\"32\"", "null", "true", "[]", "{}", "[1, 2]", "18446744073709551616", "4096.0", "3e9"};
    private static final Pattern NUMBER = Pattern.compile("(?<=: )-?\\d+(\\.\\d+)?");

    /** Inputs that once broke the reader, replayed by every build. */
    private static final Path REGRESSIONS = Path.of("src/test/resources/dev/memwall/estimator/config/regressions");

    @TempDir
    Path dir;

    @Test
    void keptRegressionsReadOrAreRefused() throws Exception {
        List<Path> inputs;
        try (var files = Files.list(REGRESSIONS)) {
            inputs = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(inputs).isNotEmpty();
        for (Path input : inputs) {
            Fuzz.bounded(input.toString(), () -> {
                try {
                    fit(HfConfigReader.read(input, "fuzz"));
                } catch (ModelFormatException e) {
                    assertThat(e.getMessage()).doesNotContain("\n");
                }
                return null;
            });
        }
    }

    @Test
    void mutatedConfigsReadOrAreRefusedAndWhatReadsCanBeFitted() throws Exception {
        Random random = new Random(SEED);
        int read = 0;
        int refused = 0;
        List<String> failures = new ArrayList<>();
        Path file = dir.resolve("config.json");
        for (int i = 0; i < CASES; i++) {
            String text = mutate(SEEDS.get(random.nextInt(SEEDS.size())), random);
            Files.writeString(file, text, StandardCharsets.ISO_8859_1);
            try {
                boolean ok = Fuzz.bounded("config " + i, () -> {
                    ModelSpec s;
                    try {
                        s = HfConfigReader.read(file, "fuzz");
                    } catch (ModelFormatException e) {
                        assertThat(e.getMessage()).doesNotContain("\n");
                        return false;
                    }
                    fit(s);
                    return true;
                });
                if (ok) {
                    read++;
                } else {
                    refused++;
                }
            } catch (Throwable t) {
                Files.createDirectories(REGRESSIONS);
                Files.writeString(REGRESSIONS.resolve(String.format("fuzz-%08x.json", text.hashCode())), text,
                        StandardCharsets.ISO_8859_1);
                failures.add("case " + i + ": " + t + "\n" + text);
                if (failures.size() > 5) {
                    break;
                }
            }
        }
        assertThat(failures).isEmpty();
        assertThat(read).isGreaterThan(CASES / 50);
        assertThat(refused).isGreaterThan(CASES / 5);
    }

    /** What fit does with a spec: parameters, KV cache, best precision, largest context, decode bound. */
    private static void fit(ModelSpec s) {
        s.parameters();
        s.activeParameters();
        Capacity gpu = new Capacity("sim:0", "GPU", 80L << 30, 60L << 30, 0L, null, 3_350_000_000_000L,
                989_000_000_000_000L, null);
        Workload w = new Workload(Precisions.weight("bf16").orElseThrow(), Precisions.kvCache("fp16").orElseThrow(),
                Math.min(8192, Math.max(1, s.maxContext())), 1, Mode.INFERENCE);
        try {
            new FitPlanner(s, null).evaluate(w, gpu, 1).decode();
        } catch (EstimateTooLargeException e) {
            // bad input said as such: sizes whose memory a long cannot count
        }
    }

    private static String mutate(String seed, Random random) {
        String text = seed;
        for (int m = 1 + random.nextInt(3); m > 0; m--) {
            switch (random.nextInt(5)) {
                case 0, 1 -> {
                    // a number replaced by a wild value
                    List<int[]> spans = new ArrayList<>();
                    Matcher matcher = NUMBER.matcher(text);
                    while (matcher.find()) {
                        spans.add(new int[] {matcher.start(), matcher.end()});
                    }
                    if (!spans.isEmpty()) {
                        int[] span = spans.get(random.nextInt(spans.size()));
                        text = text.substring(0, span[0]) + WILD[random.nextInt(WILD.length)] + text.substring(span[1]);
                    }
                }
                case 2 -> {
                    // a key dropped
                    List<int[]> keys = new ArrayList<>();
                    Matcher matcher = Pattern.compile("\"[a-z_]+\": [^,}]+,? ?").matcher(text);
                    while (matcher.find()) {
                        keys.add(new int[] {matcher.start(), matcher.end()});
                    }
                    if (!keys.isEmpty()) {
                        int[] k = keys.get(random.nextInt(keys.size()));
                        text = text.substring(0, k[0]) + text.substring(k[1]);
                    }
                }
                case 3 -> text = text.substring(0, random.nextInt(text.length() + 1));
                default -> {
                    if (!text.isEmpty()) {
                        char[] c = text.toCharArray();
                        c[random.nextInt(c.length)] = (char) random.nextInt(128);
                        text = new String(c);
                    }
                }
            }
        }
        return text;
    }
}
