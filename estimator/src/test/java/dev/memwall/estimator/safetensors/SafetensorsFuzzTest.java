package dev.memwall.estimator.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.estimator.io.ModelFormatException;
import dev.memwall.estimator.testing.Fuzz;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates valid files (bytes flipped, numbers made huge or negative, dtypes swapped, slices cut or doubled,
 * length fields rewritten, truncation) and requires each to parse or be refused with a ModelFormatException
 * within 1 s. An input that does anything else is saved under src/test/resources/.../regressions and replayed
 * by {@link #replaysSavedRegressions()} from then on.
 */
class SafetensorsFuzzTest {
    private static final long SEED = 0x5afe_7e50L;
    private static final int MUTATIONS = Fuzz.cases(3000);
    private static final Path REGRESSIONS = Path.of("src/test/resources/dev/memwall/estimator/safetensors/regressions");
    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+");
    private static final Pattern DTYPE = Pattern.compile("\"dtype\":\"[A-Z0-9_]*\"");
    private static final String[] HOSTILE_NUMBERS = {
        "-1", "0", "1", "7", "-9223372036854775808", "9223372036854775807", "9223372036854775808",
        "18446744073709551615", "18446744073709551616", "4294967296", "99999999999999999999999999999", "1e308",
        "1.5", "-0", "3037000500"};
    private static final String[] HOSTILE_DTYPES = {
        "F4", "F6_E2M3", "BOOL", "U8", "F16", "F32", "C64", "F64", "F7", "", "bf16", "BF16 ", "\\u0000"};

    @TempDir
    Path dir;

    private int accepted;
    private int rejected;

    private record Seed(String header, long dataBytes) {
    }

    private static List<Seed> seeds() {
        List<SafetensorsWriter> writers = List.of(
                new SafetensorsWriter().metadata("format", "pt")
                        .tensor("model.embed_tokens.weight", SafetensorsDtype.BF16, 16, 4)
                        .tensor("model.layers.0.self_attn.q_proj.weight", SafetensorsDtype.F32, 4, 4)
                        .tensor("step", SafetensorsDtype.I64)
                        .tensor("empty", SafetensorsDtype.F16, 0, 2)
                        .tensor("fp4", SafetensorsDtype.F4, 2, 2)
                        .tensor("fp6", SafetensorsDtype.F6_E3M2, 4),
                new SafetensorsWriter().gptqLinear("model.layers.3.mlp.down_proj", 256, 256, 128, 4)
                        .awqLinear("model.layers.4.mlp.down_proj", 256, 256, 128, 4),
                new SafetensorsWriter().bnb4Linear("transformer.h.1.attn", 256, 256)
                        .bnb8Linear("blocks.2.mlp", 16, 16),
                new SafetensorsWriter().tensor("a", SafetensorsDtype.U8, 8).gap(8).tensor("b", SafetensorsDtype.C64, 1)
                        .dataBytes(40));
        List<Seed> seeds = new ArrayList<>();
        for (SafetensorsWriter w : writers) {
            seeds.add(new Seed(new String(w.headerBytes(), StandardCharsets.UTF_8), w.dataSectionBytes()));
        }
        return seeds;
    }

    @Test
    void mutatedFilesParseOrAreRefused() throws Exception {
        Random random = new Random(SEED);
        List<Seed> seeds = seeds();
        for (Seed s : seeds) {
            check(file(s.header(), s.dataBytes()), "seed");
        }
        assertThat(rejected).as("every seed is valid").isZero();
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] input = mutate(seeds.get(random.nextInt(seeds.size())), random);
            if (random.nextInt(3) == 0) {
                input = mutateBytes(input, random);
            }
            check(input, "mutation " + i);
        }
        // Both outcomes occur, or the mutations were too timid or too wild to test anything.
        assertThat(accepted).isGreaterThan(MUTATIONS / 50);
        assertThat(rejected).isGreaterThan(MUTATIONS / 2);
    }

    @Test
    void replaysSavedRegressions() throws Exception {
        assertThat(REGRESSIONS).as("run from the estimator module").isDirectory();
        List<Path> files;
        try (Stream<Path> list = Files.list(REGRESSIONS)) {
            files = list.filter(p -> !p.getFileName().toString().endsWith(".md")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            check(Files.readAllBytes(f), f.getFileName().toString());
        }
    }

    private void check(byte[] input, String what) throws IOException {
        Path file = Files.write(dir.resolve("fuzz.safetensors"), input);
        try {
            boolean ok = Fuzz.bounded(what, () -> parseOrRefuse(file));
            if (ok) {
                accepted++;
            } else {
                rejected++;
            }
        } catch (Throwable t) {
            save(input);
            throw t;
        }
    }

    /** True when the file parses and its totals can be built; false when either is refused. */
    private static boolean parseOrRefuse(Path file) throws IOException {
        try {
            SafetensorsModel m = SafetensorsModel.of(SafetensorsReader.read(file));
            m.tensorsByLayer();
            return true;
        } catch (ModelFormatException e) {
            assertThat(e.getMessage()).startsWith(file + ": ").doesNotContain("\n");
            return false;
        }
    }

    private static void save(byte[] input) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(input);
        Files.createDirectories(REGRESSIONS);
        Files.write(REGRESSIONS.resolve(String.format("fuzz-%08x.safetensors", crc.getValue())), input);
    }

    /** A structural mutation: a number, a dtype, or a slice of the header, with the length field kept right. */
    private static byte[] mutate(Seed s, Random r) {
        String h = s.header();
        switch (r.nextInt(3)) {
            case 0 -> {
                h = replaceOne(h, NUMBER, r, HOSTILE_NUMBERS[r.nextInt(HOSTILE_NUMBERS.length)]);
            }
            case 1 -> {
                h = replaceOne(h, DTYPE, r, "\"dtype\":\"" + HOSTILE_DTYPES[r.nextInt(HOSTILE_DTYPES.length)] + "\"");
            }
            default -> {
                int from = r.nextInt(h.length());
                int to = Math.min(h.length(), from + 1 + r.nextInt(24));
                String slice = h.substring(from, to);
                h = h.substring(0, from) + (r.nextBoolean() ? "" : slice + slice) + h.substring(to);
            }
        }
        return file(h, s.dataBytes());
    }

    private static String replaceOne(String text, Pattern pattern, Random r, String replacement) {
        List<int[]> spans = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
            return text;
        }
        int[] span = spans.get(r.nextInt(spans.size()));
        return text.substring(0, span[0]) + replacement + text.substring(span[1]);
    }

    /** A raw mutation: bytes flipped in the first 8 + header bytes, the length field rewritten, or truncation. */
    private static byte[] mutateBytes(byte[] input, Random r) {
        byte[] out = input.clone();
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        long declared = out.length >= 8 ? b.getLong(0) : 0;
        switch (r.nextInt(3)) {
            case 0 -> {
                long end = Math.min(out.length, 8 + Math.max(0, Math.min(declared, out.length)));
                for (int k = 1 + r.nextInt(4); k > 0 && end > 0; k--) {
                    out[r.nextInt((int) end)] = (byte) r.nextInt(256);
                }
            }
            case 1 -> {
                if (out.length >= 8) {
                    long[] lengths = {0, 1, -1, Long.MIN_VALUE, declared - 1, declared + 1, declared + 8,
                        out.length - 8, out.length - 7, r.nextLong(), 100L << 20, (100L << 20) + 1};
                    b.putLong(0, lengths[r.nextInt(lengths.length)]);
                }
            }
            default -> out = Arrays.copyOf(out, out.length == 0 ? 0 : r.nextInt(out.length));
        }
        return out;
    }

    private static byte[] file(String header, long dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(Math.toIntExact(8 + h.length + dataBytes)).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).array();
    }
}
