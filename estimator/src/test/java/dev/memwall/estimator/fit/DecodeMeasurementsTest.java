package dev.memwall.estimator.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.io.Csv;
import dev.memwall.estimator.model.ModelSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DecodeMeasurementsTest {

    private static final Path ROOT = Paths.get(System.getProperty("memwall.root", "..")).toAbsolutePath().normalize();
    private static final String HEADER = String.join(",", DecodeMeasurements.HEADER);
    private static final String GOOD = "1,llama.cpp,b1,Card,nvidia_gpu,GDDR6,,1000000000000,spec sheet,Llama 3 8B,"
            + "llama-3-8b,q4_k_m,false,4.58 GiB,4917737554,tg128,64,100,https://example.org,";

    @Test
    void everyClassAndEveryRowHasWhatTheFitNeeds() {
        List<DecodeMeasurement> rows = DecodeMeasurements.builtIn();
        assertThat(rows).hasSizeGreaterThanOrEqualTo(100);
        assertThat(rows.stream().map(DecodeMeasurement::deviceClass).distinct()).containsExactlyInAnyOrder(
                DeviceClass.values());
        assertThat(rows.stream().map(DecodeMeasurement::device).distinct().count()).isGreaterThanOrEqualTo(20);
        assertThat(rows).allSatisfy(m -> assertThat(m.source()).startsWith("https://"));
    }

    @Test
    void theKvCacheIsCountedAtTheMeanContext() {
        // Llama 2 7B: 32 layers x 2 x 32 heads x 128 x 2 bytes = 512 KiB a token (MHA); 384 tokens on average.
        DecodeMeasurement m = DecodeMeasurements.builtIn().stream()
                .filter(r -> r.model().equals("Llama 2 7B") && r.format().equals("q4_0")).findFirst().orElseThrow();
        assertThat(m.kvBytesPerToken()).isEqualTo(384 * 512 * 1024.0);
    }

    /**
     * The bytes a gpt-oss token reads lie between its active weights (without the input embedding table, OpenAI's
     * count) at the experts' 4.25 bits and at 16 bits: the file stores the experts in MXFP4 and most of the rest
     * wider (gpt-oss model card, arXiv 2508.10925, section 2.1).
     */
    @Test
    void aMixtureOfExpertsRowReadsItsActiveWeights() {
        for (String id : List.of("gpt-oss-120b", "gpt-oss-20b")) {
            ModelSpec spec = ModelCatalog.builtIn().find(id).orElseThrow().spec();
            DecodeMeasurement m = DecodeMeasurements.builtIn().stream().filter(r -> r.model().equals(id))
                    .findFirst().orElseThrow();
            double active = spec.activeParametersWithoutInputEmbedding();
            assertThat(m.formatClass()).isEqualTo(FormatClass.MOE);
            assertThat(m.weightBytesPerToken()).as(id).isBetween(active * 4.25 / 8, active * 2);
        }
    }

    @Test
    void theActiveBytesFollowTheFileAndTheRouting() {
        ModelSpec spec = ModelCatalog.builtIn().find("gpt-oss-20b").orElseThrow().spec();
        double small = DecodeMeasurements.activeWeightBytes(12_000_000_000L, spec, "mxfp4", "t");
        double large = DecodeMeasurements.activeWeightBytes(13_000_000_000L, spec, "mxfp4", "t");
        // A larger file with the same experts has a wider rest, all but the input embedding table read by each token.
        double rest = spec.parameters() - spec.routedExpertParametersTotal();
        double readShare = 1 - (double) spec.vocabSize() * spec.hiddenSize() / rest;
        assertThat(large - small).isCloseTo(1e9 * readShare, org.assertj.core.data.Offset.offset(1.0));
    }

    /** memwall's GPU catalog (native-bindings) is the bandwidth of every device it has: the two must not drift. */
    @Test
    void catalogDevicesUseTheCatalogsBandwidth() throws IOException {
        Path gpus = ROOT.resolve("native-bindings/src/main/resources/dev/memwall/device/simulated/gpus.csv");
        Assumptions.assumeTrue(Files.isRegularFile(gpus), "the GPU catalog is beside this module in the repository");
        Map<String, String[]> catalog = new HashMap<>();
        List<String> header = null;
        for (String line : Files.readAllLines(gpus, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> f = Csv.parseLine(line, "gpus.csv");
            if (header == null) {
                header = f;
                continue;
            }
            catalog.put(f.get(0), new String[] {f.get(header.indexOf("bandwidth_bytes_per_second")),
                f.get(header.indexOf("bandwidth_source")), f.get(header.indexOf("memory_type"))});
        }
        String text = new String(DecodeMeasurements.class.getResourceAsStream(DecodeMeasurements.RESOURCE)
                .readAllBytes(), StandardCharsets.UTF_8);
        int checked = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.startsWith("id,")) {
                continue;
            }
            List<String> f = Csv.parseLine(line, "decode_measurements.csv");
            String id = f.get(DecodeMeasurements.HEADER.indexOf("gpu_catalog_id"));
            if (id.isEmpty()) {
                continue;
            }
            String[] c = catalog.get(id);
            assertThat(c).as("catalog row %s", id).isNotNull();
            assertThat(f.get(DecodeMeasurements.HEADER.indexOf("bandwidth_bytes_per_second"))).isEqualTo(c[0]);
            assertThat(f.get(DecodeMeasurements.HEADER.indexOf("bandwidth_source"))).contains(c[1]);
            assertThat(f.get(DecodeMeasurements.HEADER.indexOf("memory_type"))).isEqualTo(c[2]);
            checked++;
        }
        assertThat(checked).isGreaterThan(50);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "device class|device_class|nvidia_gpu|gpu|t line 2: device_class must be nvidia_gpu, amd_gpu, apple or cpu, was 'gpu'",
        "bandwidth|bandwidth_bytes_per_second|1000000000000|0|t line 2: bandwidth_bytes_per_second must be > 0, was '0'",
        "rate|measured_tokens_per_second|100|fast|t line 2: measured_tokens_per_second must be a number, was 'fast'",
        "format|format|q4_k_m|q9_z|t line 2: unknown weight format 'q9_z'",
        "model|memwall_model|llama-3-8b|llama-9|t line 2: memwall_model 'llama-9' is not in the model catalog",
        "moe flag|moe|false|yes|t line 2: moe must be true or false, was 'yes'",
        "dense moe|moe|false|true|t line 2: a moe row needs a memwall_model with routed experts",
        "source|source|https://example.org||t line 2: source is empty"})
    void aBadFieldIsNamedWithItsLine(String what, String column, String good, String bad, String message) {
        String[] fields = Csv.parseLine(GOOD, "good").toArray(String[]::new);
        int i = DecodeMeasurements.HEADER.indexOf(column);
        assertThat(fields[i]).isEqualTo(good);
        fields[i] = bad == null ? "" : bad;
        String text = HEADER + "\n" + String.join(",", fields) + "\n";
        assertThatThrownBy(() -> DecodeMeasurements.parse(text, "t", ModelCatalog.builtIn()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void theHeaderAndTheFieldCountAreChecked() {
        assertThatThrownBy(() -> DecodeMeasurements.parse("id,runtime\n", "t", ModelCatalog.builtIn()))
                .hasMessage("t line 1: header must be " + HEADER);
        assertThatThrownBy(() -> DecodeMeasurements.parse(HEADER + "\n1,llama.cpp\n", "t", ModelCatalog.builtIn()))
                .hasMessage("t line 2: expected 20 fields, found 2");
        assertThatThrownBy(() -> DecodeMeasurements.parse(HEADER + "\n" + GOOD + "\n" + GOOD + "\n", "t",
                ModelCatalog.builtIn())).hasMessage("t line 3: duplicate id 1");
        assertThat(DecodeMeasurements.parse("# c\n" + HEADER + "\n" + GOOD + "\n", "t", ModelCatalog.builtIn()))
                .singleElement().satisfies(m -> assertThat(m.boundTokensPerSecond()).isCloseTo(
                        1e12 / (4917737554.0 + 64 * 131072), org.assertj.core.data.Offset.offset(1e-9)));
        assertThat(Arrays.asList(GOOD.split(",", -1))).hasSize(20);
    }
}
