package dev.memwall.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memwall.device.cuda.CudaBackend;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line, run in-process with captured output. */
class CliTest {

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void simulatedProbeAsJsonHasTheContractKeys() throws Exception {
        Result r = run("probe", "--simulate", "h100-sxm", "--simulate", "rtx-4090", "--json");
        assertThat(r.code()).isZero();
        assertThat(r.err()).isEmpty();
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertThat(doc.get("schema").asText()).isEqualTo("memwall.probe.v2");
        assertThat(doc.get("host").get("memory_total_bytes").asLong()).isPositive();
        assertThat(doc.get("host").get("memory_available_bytes").asLong()).isPositive();
        JsonNode devices = doc.get("devices");
        assertThat(devices).hasSize(2);
        JsonNode h100 = devices.get(0);
        assertThat(h100.get("id").asText()).isEqualTo("sim:0");
        assertThat(h100.get("backend").asText()).isEqualTo("simulated");
        assertThat(h100.get("name").asText()).contains("H100");
        assertThat(h100.get("memory").get("total_bytes").asLong()).isEqualTo(85_045_477_376L);
        assertThat(h100.get("memory").get("free_bytes").asLong()).isEqualTo(85_045_477_376L);
        JsonNode bw = h100.get("bandwidth");
        assertThat(bw.get("read_bytes_per_second").asLong()).isEqualTo(3_350_000_000_000L);
        assertThat(bw.get("copy_bytes_per_second").asLong()).isEqualTo(3_350_000_000_000L);
        assertThat(bw.get("theoretical_bytes_per_second").asLong()).isEqualTo(3_350_000_000_000L);
        assertThat(bw.has("host_to_device_bytes_per_second")).isTrue();
        assertThat(bw.get("host_to_device_bytes_per_second").isNull()).isTrue();
        assertThat(bw.get("read").get("method").asText()).isEqualTo("simulated");
        JsonNode rtx = devices.get(1);
        assertThat(rtx.get("id").asText()).isEqualTo("sim:1");
        assertThat(rtx.get("memory").get("total_bytes").asLong()).isEqualTo(25_386_352_640L);
        assertThat(rtx.get("bandwidth").get("read_bytes_per_second").asLong()).isEqualTo(1_008_000_000_000L);
        // fits[]: the catalog's popular models at their best precision on each device.
        JsonNode fits = doc.get("fits");
        assertThat(fits.size()).isEqualTo(2 * 10);
        JsonNode first = fits.get(0);
        assertThat(first.get("device").asText()).isEqualTo("sim:0");
        assertThat(first.get("model").asText()).isEqualTo("llama-3.2-3b");
        assertThat(first.get("fits_now").asBoolean()).isTrue();
        assertThat(first.get("best_precision").asText()).isEqualTo("bf16");
        assertThat(first.get("decode_tokens_per_second_bound").asDouble()).isPositive();
    }

    @Test
    void simulatedProbeAsATable() {
        Result r = run("probe", "--simulate", "rtx-4090:free=10GiB", "--simulate", "a100-80gb:count=2");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("ID     BACKEND    NAME");
        assertThat(r.out()).contains("sim:0  simulated  NVIDIA GeForce RTX 4090 24GB")
                .contains("23.64 GiB  10.00 GiB  1008 GB/s  1008 GB/s  1008 GB/s")
                .contains("sim:2  simulated")
                .contains("Host memory: ");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "probe --backend foo | memwall: unknown backend 'foo' for --backend; choose one of auto, cuda, nvml, opencl, simulated",
        "probe --simulate h100-sxm:free=lots | memwall: bad SPEC 'h100-sxm:free=lots': free=lots: 'lots' is not a size; give a number with a unit (B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)",
        "probe --simulate rtx-4090:free=30GiB | memwall: bad SPEC 'rtx-4090:free=30GiB': free=30GiB is larger than the total (23.64 GiB)",
        "probe --simulate h100-sxm:total=0GiB | memwall: bad SPEC 'h100-sxm:total=0GiB': total=0GiB: '0GiB' is zero; a size must be > 0",
        "probe --simulate h100-sxm:total=-1GiB | memwall: bad SPEC 'h100-sxm:total=-1GiB': total=-1GiB: '-1GiB' is negative; a size must be > 0",
        "probe --simulate h100-sxm:speed=fast | memwall: bad SPEC 'h100-sxm:speed=fast': unknown key 'speed'; keys are total, free, bandwidth, flops, count",
        "probe --simulate nosuch-gpu | memwall: bad SPEC 'nosuch-gpu': unknown catalog id 'nosuch-gpu' ('memwall gpus' lists them; 'custom:total=...,bandwidth=...' describes any other)",
        "probe --backend simulated | memwall: --backend simulated needs at least one --simulate SPEC, e.g. --simulate h100-sxm",
        "probe --backend opencl --simulate h100-sxm | memwall: --simulate cannot be combined with --backend opencl; simulated devices replace the probe",
        "probe --frobnicate | memwall: Unknown option: '--frobnicate' (see 'memwall probe --help')",
        "frobnicate | memwall: Unmatched argument at index 0: 'frobnicate' (see 'memwall --help')"})
    void badInputIsOneLineAndExitTwo(String args, String message) {
        Result r = run(args.split(" "));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo(message + System.lineSeparator());
    }

    @Test
    void cudaWithoutTheDriverIsOneLineAndExitOne() {
        String reason = new CudaBackend().availability().reason();
        Assumptions.assumeTrue(reason != null && reason.contains("(libcuda.so.1) was not found"),
                "this machine has the NVIDIA driver");
        Result r = run("probe", "--backend", "cuda");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("memwall: cuda backend unavailable: the NVIDIA driver library (libcuda.so.1) "
                + "was not found; install the NVIDIA driver to use the cuda backend" + System.lineSeparator());
    }

    @Test
    void versionAndHelpFollowPicocli() {
        Result v = run("--version");
        assertThat(v.code()).isZero();
        assertThat(v.out()).startsWith("memwall " + Version.get());
        assertThat(Version.get()).matches("\\d+\\.\\d+\\.\\d+.*");
        Result h = run("--help");
        assertThat(h.code()).isZero();
        assertThat(h.out()).contains("probe", "gpus", "Exit codes:", "2   bad usage or bad input");
        Result ph = run("probe", "--help");
        assertThat(ph.out()).contains("--simulate=SPEC", "--no-bench", "--json", "--backend=BACKEND");
    }

    @Test
    void gpusListsTheCatalog() throws Exception {
        Result t = run("gpus");
        assertThat(t.code()).isZero();
        assertThat(t.out()).contains("h100-sxm", "NVIDIA H100 SXM5 80GB", "3350 GB/s", "989 TFLOPS");
        Result j = run("gpus", "--json");
        JsonNode doc = new ObjectMapper().readTree(j.out());
        assertThat(doc.get("gpus").size()).isGreaterThanOrEqualTo(20);
        assertThat(doc.get("gpus").get(0).get("sources").get("bandwidth").asText()).isNotBlank();
    }
}
