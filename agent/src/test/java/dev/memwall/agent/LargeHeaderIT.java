package dev.memwall.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.estimator.safetensors.SafetensorsReader;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A safetensors header of hundreds of thousands of tensors, read by the packaged jar within a fixed heap and a
 * peak resident set stated in docs/RELIABILITY.md. The header streams from the file (its bytes are never held
 * whole) and a header of more than {@link SafetensorsReader#MAX_TENSORS} tensors is refused in one line.
 */
class LargeHeaderIT {

    private static final Path JAR = Paths.get(System.getProperty("memwall.jar", "target/memwall.jar"));

    /**
     * Peak resident set allowed with the heap fixed below, in KiB. Measured (GNU time, 2 cores shared): 265,292 KiB
     * for 500,000 tensors and 223,592 KiB for the refused 700,000; the reader that held the header's bytes and
     * a second set of names took 349,808 and 383,936.
     */
    private static final long MAX_RSS_KIB = 320L << 10;

    /**
     * The same for an index listing 500,000 tensors and its shard, in KiB. Measured: 317,364 KiB in 11.5 s; the
     * reader that held both files' bytes and a second map of names ran out of its 256 MiB heap after 70 s.
     */
    private static final long MAX_INDEX_RSS_KIB = 360L << 10;

    /** The launcher's JVM options, with the heap fixed so the figure does not follow the machine's memory. */
    private static final List<String> JVM = List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1");

    @Test
    void halfAMillionTensorsAreReadWithinTheBound(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("many.safetensors");
        write(file, SafetensorsReader.MAX_TENSORS);
        Measured m = inspect(dir, file);
        assertThat(m.run().code()).as(m.run().err()).isZero();
        assertThat(m.run().out()).contains("in 500000 tensors");
        m.assertRssWithinBound();
    }

    @Test
    void anIndexOfHalfAMillionTensorsIsReadWithinTheBound(@TempDir Path dir) throws Exception {
        Path shard = dir.resolve("model-00001-of-00001.safetensors");
        write(shard, SafetensorsReader.MAX_TENSORS);
        Path index = dir.resolve("model.safetensors.index.json");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(index), 1 << 16)) {
            out.write("{\"metadata\":{\"total_size\":4000000},\"weight_map\":{".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < SafetensorsReader.MAX_TENSORS; i++) {
                out.write(((i == 0 ? "\"" : ",\"") + name(i) + "\":\"" + shard.getFileName() + "\"")
                        .getBytes(StandardCharsets.US_ASCII));
            }
            out.write("}}".getBytes(StandardCharsets.US_ASCII));
        }
        Measured m = inspect(dir, index);
        assertThat(m.run().code()).as(m.run().err()).isZero();
        assertThat(m.run().out()).contains("in 500000 tensors");
        if (m.rssKib() >= 0) {
            assertThat(m.rssKib()).as("peak resident set, KiB").isLessThan(MAX_INDEX_RSS_KIB);
        }
    }

    @Test
    void moreTensorsThanTheCapAreRefusedInOneLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("too-many.safetensors");
        write(file, 700_000);
        Measured m = inspect(dir, file);
        assertThat(m.run().code()).isEqualTo(2);
        assertThat(m.run().err()).matches("memwall: " + java.util.regex.Pattern.quote(file.toString())
                + ": byte \\d+: header holds more than 500000 tensors, the most memwall reads from one model"
                + System.lineSeparator());
        m.assertRssWithinBound();
    }

    record Measured(MemwallJarIT.Run run, long rssKib) {
        void assertRssWithinBound() {
            if (rssKib >= 0) {
                assertThat(rssKib).as("peak resident set, KiB").isLessThan(MAX_RSS_KIB);
            }
        }
    }

    /** {@code memwall inspect file} under GNU time where there is one (then the peak RSS), else without. */
    private static Measured inspect(Path dir, Path file) throws IOException, InterruptedException {
        Path rss = dir.resolve("rss.txt");
        boolean timed = Files.isExecutable(Path.of("/usr/bin/time"));
        List<String> command = new ArrayList<>();
        if (timed) {
            command.addAll(List.of("/usr/bin/time", "-f", "%M", "-o", rss.toString()));
        }
        command.add(MemwallJarIT.java());
        command.addAll(JVM);
        command.addAll(List.of("-jar", JAR.toAbsolutePath().toString(), "inspect", file.toString()));
        // Measured at about 5 s on 2 shared cores; 60 s only catches a hang on a loaded machine.
        MemwallJarIT.Run r = run(dir, command);
        long kib = -1;
        if (timed && Files.exists(rss)) {
            String last = Files.readAllLines(rss).stream().filter(l -> l.matches("\\d+")).reduce((a, b) -> b)
                    .orElse("-1");
            kib = Long.parseLong(last);
        }
        return new Measured(r, kib);
    }

    /**
     * Runs {@code command} without the test JVM's {@code LD_PRELOAD}: a preloaded signal-chaining library makes
     * GNU time itself print a JVM warning on stderr.
     */
    private static MemwallJarIT.Run run(Path dir, List<String> command) throws IOException, InterruptedException {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 60 s");
        }
        return new MemwallJarIT.Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static String name(int i) {
        return String.format("model.layers.%d.w%07d.weight", i / 1000, i);
    }

    /** {@code tensors} BF16 [2, 2] tensors named like a model's, 8 bytes each; about 98 bytes of header per tensor. */
    static void write(Path file, int tensors) throws IOException {
        Path header = file.resolveSibling(file.getFileName() + ".json");
        long length;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(header), 1 << 16)) {
            out.write('{');
            for (int i = 0; i < tensors; i++) {
                String entry = (i == 0 ? "\"" : ",\"") + name(i) + "\":{\"dtype\":\"BF16\",\"shape\":[2,2],"
                        + "\"data_offsets\":[" + 8L * i + "," + (8L * i + 8) + "]}";
                out.write(entry.getBytes(StandardCharsets.US_ASCII));
            }
            out.write('}');
        }
        length = Files.size(header);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(length).array());
            Files.copy(header, out);
        }
        Files.delete(header);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(8 + length + 8L * tensors);
        }
    }
}
