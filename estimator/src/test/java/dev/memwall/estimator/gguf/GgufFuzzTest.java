package dev.memwall.estimator.gguf;

import static dev.memwall.estimator.gguf.GgufValueType.ARRAY;
import static dev.memwall.estimator.gguf.GgufValueType.STRING;
import static dev.memwall.estimator.gguf.GgufValueType.UINT8;
import static dev.memwall.estimator.gguf.GgufWriter.array;
import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.estimator.gguf.GgufWriter.Written;
import dev.memwall.estimator.io.ModelFormatException;
import dev.memwall.estimator.testing.Fuzz;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Mutated GGUF files (bit flips, truncations, wild counts, lengths and type ids) either parse or fail with a
 * {@link ModelFormatException} within a second; any other outcome is kept under {@code regressions/} and replayed.
 */
class GgufFuzzTest {

    private static final long SEED = 0x6767_7566L;
    private static final int VARIANTS = Fuzz.cases(3000);
    private static final Path REGRESSIONS = Path.of("src/test/resources/dev/memwall/estimator/gguf/regressions");

    @Test
    void mutatedFilesParseOrFailWithModelFormatException() throws IOException {
        List<Written> bases = List.of(
                TinyLlama.writer(3, 1100).write(),
                TinyLlama.writer(2, 40).write(),
                new GgufWriter().alignment(64)
                        .kv("general.architecture", STRING, "llama")
                        .kv("nested", ARRAY, array(ARRAY, array(ARRAY, array(UINT8, 1L)), array(STRING, "x", "y")))
                        .tensor("blk.0.ffn_up.weight", GgmlType.IQ4_XS, 256, 2)
                        .tensor("blk.0.ffn_gate.weight", GgmlType.TQ1_0, 256)
                        .write());
        Random random = new Random(SEED);
        List<String> failures = new ArrayList<>();
        int parsed = 0;
        int rejected = 0;
        java.util.Set<String> problems = new java.util.TreeSet<>();
        for (int i = 0; i < VARIANTS; i++) {
            Written base = bases.get(i % bases.size());
            byte[] input = mutate(base, random);
            String outcome = outcome(input);
            if (outcome == null) {
                parsed++;
            } else if (outcome.startsWith(REJECTED)) {
                rejected++;
                problems.add(outcome.substring(REJECTED.length()));
            } else {
                Path kept = keep(input);
                failures.add("variant " + i + " (kept as " + kept + "): " + outcome);
            }
        }

        assertThat(failures).isEmpty();
        // A loop that only ever parsed, or always failed the same way, would not be testing much.
        assertThat(parsed).isGreaterThan(VARIANTS / 100);
        assertThat(rejected).isGreaterThan(VARIANTS / 2);
        assertThat(problems).as("kinds of problem found").hasSizeGreaterThan(20);
    }

    @Test
    void keptRegressionsParseOrFailWithModelFormatException() throws IOException, URISyntaxException {
        Path folder = Path.of(GgufFuzzTest.class.getResource("regressions/README.md").toURI()).getParent();
        List<Path> inputs;
        try (Stream<Path> files = Files.list(folder)) {
            inputs = files.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList();
        }
        for (Path input : inputs) {
            String outcome = outcome(Files.readAllBytes(input));
            assertThat(outcome == null || outcome.startsWith(REJECTED)).as(input + ": " + outcome).isTrue();
        }
    }

    private static final String REJECTED = "rejected: ";

    /**
     * Null when the input parsed; {@link #REJECTED} and the problem's shape (numbers and names left out) when it
     * failed with ModelFormatException; else what went wrong.
     */
    private static String outcome(byte[] input) {
        try {
            return Fuzz.bounded("gguf input of " + input.length + " bytes", () -> {
                try {
                    GgufReader.read(new BytesChannel(input), "fuzz.gguf", input.length);
                    return null;
                } catch (ModelFormatException e) {
                    return REJECTED + e.problem()
                            .replaceAll("0x\\p{XDigit}{2}( 0x\\p{XDigit}{2})*( \\.\\.\\.)?", "0x..")
                            .replaceAll("'[^']*'", "'x'").replaceAll("\\d+", "N");
                } catch (Throwable e) {
                    StringWriter trace = new StringWriter();
                    e.printStackTrace(new PrintWriter(trace));
                    return trace.toString();
                }
            });
        } catch (Throwable e) {
            return e.toString();
        }
    }

    private static byte[] mutate(Written base, Random random) {
        byte[] bytes = base.bytes().clone();
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            switch (random.nextInt(4)) {
                case 0 -> {
                    // bit flips, mostly in the header, where they matter
                    int end = random.nextInt(10) == 0 ? bytes.length : (int) Math.min(bytes.length, base.at("data"));
                    for (int f = 1 + random.nextInt(8); f > 0 && end > 0; f--) {
                        int at = random.nextInt(end);
                        bytes[at] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 1 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
                case 2 -> {
                    List<Long> fields = base.u64Fields();
                    int at = fields.get(random.nextInt(fields.size())).intValue();
                    putLe(bytes, at, 8, wildU64(random, bytes.length));
                }
                default -> {
                    List<Long> fields = base.at().entrySet().stream()
                            .filter(e -> e.getKey().matches(".*:(type|n_dims|element_type)(#\\d+)?"))
                            .map(Map.Entry::getValue).toList();
                    int at = fields.get(random.nextInt(fields.size())).intValue();
                    long value = switch (random.nextInt(3)) {
                        case 0 -> random.nextInt(45);
                        case 1 -> -1;
                        default -> random.nextInt();
                    };
                    putLe(bytes, at, 4, value);
                }
            }
        }
        return bytes;
    }

    private static long wildU64(Random random, int size) {
        return switch (random.nextInt(9)) {
            case 0 -> random.nextLong();
            case 1 -> random.nextInt(1 << 16);
            case 2 -> -1;
            case 3 -> Long.MAX_VALUE;
            case 4 -> Long.MIN_VALUE;
            case 5 -> size + random.nextInt(3) - 1;
            case 6 -> 1L << (32 + random.nextInt(31));
            case 7 -> random.nextInt(64);
            default -> (long) random.nextInt(size / 32 + 1) * 32;
        };
    }

    private static void putLe(byte[] bytes, int at, int width, long value) {
        for (int i = 0; i < width && at + i < bytes.length; i++) {
            bytes[at + i] = (byte) (value >>> (8 * i));
        }
    }

    private static Path keep(byte[] input) throws IOException {
        Path folder = Files.isDirectory(REGRESSIONS) ? REGRESSIONS : Path.of("target", "gguf-regressions");
        Files.createDirectories(folder);
        String name = "fuzz-" + input.length + "-" + HexFormat.of().toHexDigits(Arrays.hashCode(input)) + ".gguf";
        return Files.write(folder.resolve(name), input);
    }
}
