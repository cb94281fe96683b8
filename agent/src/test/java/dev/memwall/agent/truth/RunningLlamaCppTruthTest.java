package dev.memwall.agent.truth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memwall.agent.running.RunningModel;
import dev.memwall.agent.running.RunningNow;
import dev.memwall.device.host.HostProcesses;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model held by real llama.cpp in another process (node-llama-cpp loading a generated GGUF, as a model server
 * would), found by memwall from the outside: the process, the model file, the context on its command line, and
 * memwall's prediction for that model with that context beside the process's real memory. Just after loading, what
 * llama.cpp allocated (the model file it maps and its new buffers) is held to the prediction, within 10%; its
 * resident memory is still below it there, because a buffer's pages become resident only once used. After one
 * request as long as the context (every buffer used once, as a server's first long prompt does), the process's
 * resident memory has grown by the prediction, within 10% (the bar; node.js's own allocations while loading
 * and evaluating are in that growth too).
 */
class RunningLlamaCppTruthTest {

    private static final double GIB = 1L << 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static LlamaCppRuntime llama;

    @BeforeAll
    static void runtime() throws Exception {
        llama = LlamaCppRuntime.require(dir);
    }

    @Test
    void aModelHeldByLlamaCppIsFoundWithItsContextAndItsMemoryBesideThePrediction() throws Exception {
        // About 0.25 GB of F16 weights: large beside what node.js itself allocates while loading.
        TruthModel spec = new TruthModel("held-llama", "llama", 8, 1024, 2816, 16, 4, 64, 16000, false, 0, "F16");
        Path gguf = spec.write(dir.resolve("held-llama.gguf")).toAbsolutePath();
        int context = 4096;
        Process node = llama.start("hold-model.mjs", gguf.toString(), "--ctx-size", String.valueOf(context));
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(),
                    StandardCharsets.UTF_8));
            Writer in = new java.io.OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8);
            JsonNode started = line(out, "started");
            long pid = started.get("pid").asLong();
            assertThat(pid).isEqualTo(node.pid());

            // Before the model: llama.cpp's libraries are mapped, no model file is held.
            HostProcesses.HostProcess before = HostProcesses.read(pid);
            assertThat(before).as("the process with llama.cpp's libraries mapped").isNotNull();
            assertThat(before.runsLlamaCpp()).isTrue();
            assertThat(before.models()).isEmpty();
            long residentBefore = before.residentBytes();
            long dataBefore = vmData(pid);
            java.util.Map<String, Long> mappingsBefore = largeAnonymous(pid);

            in.write("load\n");
            in.flush();
            JsonNode loaded = line(out, "loaded");
            assertThat(loaded.get("context_size").asInt()).isEqualTo(context);

            java.util.Map<String, Long> buffers = largeAnonymous(pid);
            buffers.keySet().removeAll(mappingsBefore.keySet());
            RunningNow now = RunningNow.scan();
            List<RunningModel> held = new ArrayList<>();
            for (RunningModel m : now.models()) {
                if (m.pid() == pid) {
                    held.add(m);
                }
            }
            assertThat(held).as("what memwall found in process %d: %s", pid, now.models()).hasSize(1);
            RunningModel m = held.get(0);
            assertThat(m.runtime()).isEqualTo("llama.cpp");
            assertThat(Path.of(m.modelPath())).isEqualTo(gguf);
            assertThat(m.modelFileBytes()).isEqualTo(java.nio.file.Files.size(gguf));
            assertThat(m.settings().contextTokens()).isEqualTo(context);
            assertThat(m.predictedBytes()).as("notes: %s", m.notes()).isNotNull();

            // What llama.cpp allocated, seen from outside: the model file it maps (resident: it populates the mapping
            // as it loads) and its buffers (KV cache, output, compute), each large enough to be its own anonymous
            // mapping, new since before the load (the C library's heaps, where small objects live, left out). The
            // process's resident memory is not yet held to the prediction here: a buffer's pages are resident only
            // once used (the compute buffer's worst case only with a full context; below, after one), and the data
            // segment (VmData) also grows by the loader's and node.js's small allocations.
            // ggml's CPU work buffer is not allocated yet: it comes with the first evaluation, at its largest once a
            // micro-batch attends to the whole cache. Without flash attention its largest scratch is the attention
            // scores (context x micro-batch x 16 heads) converted to f16 for the V product, plus a cache line per
            // thread (ggml_graph_plan, ggml/src/ggml-cpu/ggml-cpu.c): the prediction holds it, the load does not.
            long workBuffer = 2L * context * 512 * spec.heads() + 64L * Runtime.getRuntime().availableProcessors();
            long atLoad = m.predictedBytes() - workBuffer;
            long bufferBytes = buffers.values().stream().mapToLong(Long::longValue).sum();
            long allocated = m.modelResidentBytes() + bufferBytes;
            long growth = m.residentBytes() - residentBefore;
            long dataGrowth = vmData(pid) - dataBefore;
            double error = (allocated - atLoad) / (double) atLoad;
            System.out.printf(Locale.ROOT, "running llama.cpp: predicted %d bytes (weights %d, work buffer %d); "
                    + "allocated at load %d (mapped and resident %d, buffers %s): %+.2f%% from the prediction less the "
                    + "work buffer; data segment +%d; resident %.3f -> %.3f GiB (+%d)%n", m.predictedBytes(),
                    m.predictedWeightsBytes(), workBuffer, allocated, m.modelResidentBytes(), buffers.values(),
                    error * 100, dataGrowth, residentBefore / GIB, m.residentBytes() / GIB, growth);
            assertThat(Math.abs(error)).as("allocated %d against prediction %d less the work buffer", allocated,
                    m.predictedBytes()).isLessThanOrEqualTo(RunningModel.MISMATCH);
            // Resident memory grows by the weights and what has been touched of the rest, never by more than what
            // was allocated.
            assertThat(growth).isBetween(m.predictedWeightsBytes() * 9 / 10, m.modelResidentBytes() + dataGrowth);
            // The weights as llama.cpp maps them from the file are resident, as the prediction's weights say.
            assertThat(m.modelResidentBytes()).isNotNull();
            assertThat(Math.abs(m.modelResidentBytes() - m.predictedWeightsBytes())
                    / (double) m.predictedWeightsBytes()).isLessThanOrEqualTo(RunningModel.MISMATCH);

            // As a user sees it: `memwall probe --json` lists the process, its model, its memory and the prediction.
            StringWriter probeOut = new StringWriter();
            StringWriter probeErr = new StringWriter();
            int code = dev.memwall.agent.cli.Main.run(new String[] {"probe", "--no-bench", "--json", "--simulate",
                    "h100-sxm"}, new PrintWriter(probeOut, true), new PrintWriter(probeErr, true));
            assertThat(code).as(probeErr.toString()).isZero();
            JsonNode listed = null;
            for (JsonNode n : JSON.readTree(probeOut.toString()).get("running").get("models")) {
                if (n.get("pid").asLong() == pid) {
                    listed = n;
                }
            }
            assertThat(listed).as(probeOut.toString()).isNotNull();
            assertThat(listed.get("model_path").asText()).isEqualTo(gguf.toString());
            assertThat(listed.get("settings").get("context_tokens").asLong()).isEqualTo(context);
            assertThat(listed.get("predicted_bytes").asLong()).isEqualTo(m.predictedBytes());
            assertThat(listed.get("resident_bytes").asLong()).isPositive();

            // The agent exports the same: its status document and its metrics.
            dev.memwall.agent.daemon.AgentSettings settings = new dev.memwall.agent.daemon.AgentSettings(
                    new java.net.InetSocketAddress("127.0.0.1", 0), java.time.Duration.ofSeconds(5),
                    java.time.Duration.ZERO, java.time.Duration.ZERO, List.of(), List.of(), null, 0.25, null);
            dev.memwall.agent.daemon.Agent agent = new dev.memwall.agent.daemon.Agent(settings,
                    List.of(new dev.memwall.device.simulated.SimulatedBackend(List.of(
                            new dev.memwall.agent.spec.SpecParser(
                                    dev.memwall.device.simulated.HardwareCatalog.builtIn()).parse("h100-sxm")))),
                    List.of(), dev.memwall.device.host.HostProbe::read, null, "test");
            agent.start();
            try {
                java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
                String base = "http://127.0.0.1:" + agent.port();
                String metrics = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base
                        + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).contains("memwall_loaded_model_memory_bytes{model=\"held-llama.gguf\",pid=\""
                        + pid + "\",runtime=\"llama.cpp\",source=\"predicted\"} " + (double) m.predictedBytes());
                JsonNode status = JSON.readTree(client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        base + "/api/v1/status")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body());
                assertThat(status.get("running").get("models").toString()).contains("\"pid\":" + pid,
                        gguf.getFileName().toString());
            } finally {
                agent.stop(java.time.Duration.ofSeconds(3));
            }

            // One request as long as the context: the KV cache filled and the compute buffer used at its worst case
            // (the whole cache attended to by a full micro-batch). Resident memory has now grown by what llama.cpp
            // allocated.
            in.write("fill\n");
            in.flush();
            JsonNode filled = line(out, "filled");
            RunningModel after = RunningNow.of(HostProcesses.read(pid)).get(0);
            long filledGrowth = after.residentBytes() - residentBefore;
            double filledError = (filledGrowth - m.predictedBytes()) / (double) m.predictedBytes();
            System.out.printf(Locale.ROOT, "after %d tokens in %.1f s: resident %.3f GiB, grown by %d: %+.2f%% from "
                    + "the prediction%n", filled.get("tokens").asInt(), filled.get("seconds").asDouble(),
                    after.residentBytes() / GIB, filledGrowth, filledError * 100);
            LlamaCppRuntime.writeTable("running-llama-cpp.tsv", "model\tweights\tcontext\tpredicted_bytes"
                    + "\tpredicted_weights_bytes\tpredicted_work_buffer_bytes\tmapped_resident_bytes\tbuffer_bytes"
                    + "\tallocated_bytes\terror_percent\tresident_growth_loaded_bytes\tresident_growth_filled_bytes"
                    + "\tfilled_error_percent",
                    List.of(String.join("\t", spec.name(), spec.weightType(), String.valueOf(context),
                            String.valueOf(m.predictedBytes()), String.valueOf(m.predictedWeightsBytes()),
                            String.valueOf(workBuffer),
                            String.valueOf(m.modelResidentBytes()), String.valueOf(bufferBytes),
                            String.valueOf(allocated), String.format(Locale.ROOT, "%.3f", error * 100),
                            String.valueOf(growth), String.valueOf(filledGrowth),
                            String.format(Locale.ROOT, "%.3f", filledError * 100))));
            assertThat(Math.abs(filledError)).as("resident growth %d against prediction %d", filledGrowth,
                    m.predictedBytes()).isLessThanOrEqualTo(RunningModel.MISMATCH);
            // The process's whole resident memory also holds node.js's own (about 90 MB here before any model:
            // large beside a 0.5 GB model); memwall compares its anonymous memory and the model's pages with the
            // prediction and says so where they are more than 10% above it.
            System.out.println("memwall's notes after the request: " + after.notes());

            in.write("stop\n");
            in.flush();
            assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The process's data segment (VmData, bytes): its private anonymous memory as allocated. */
    private static long vmData(long pid) throws java.io.IOException {
        for (String l : java.nio.file.Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (l.startsWith("VmData:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new AssertionError("no VmData for " + pid);
    }

    /**
     * The process's private anonymous mappings of at least 1 MiB, by address range, with their sizes, less the C
     * library's heaps (a read-write part directly followed by its reserved, inaccessible rest).
     */
    private static java.util.Map<String, Long> largeAnonymous(long pid) throws java.io.IOException {
        List<String[]> maps = new ArrayList<>();
        for (String l : java.nio.file.Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps"))) {
            maps.add(l.trim().split("\\s+"));
        }
        java.util.Map<String, Long> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < maps.size(); i++) {
            String[] f = maps.get(i);
            if (f.length > 5 || !f[1].equals("rw-p")) {
                continue;
            }
            String[] range = f[0].split("-");
            if (i + 1 < maps.size() && maps.get(i + 1)[1].equals("---p")
                    && maps.get(i + 1)[0].startsWith(range[1] + "-")) {
                continue;
            }
            long bytes = Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16);
            if (bytes >= 1 << 20) {
                out.put(f[0], bytes);
            }
        }
        return out;
    }

    private static JsonNode line(BufferedReader out, String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            String l = out.readLine();
            if (l == null) {
                throw new AssertionError("node ended before '" + state + "'");
            }
            if (l.startsWith("{")) {
                JsonNode n = JSON.readTree(l);
                if (state.equals(n.path("state").asText())) {
                    return n;
                }
            }
        }
        throw new AssertionError("no '" + state + "' from node in 120 s");
    }
}
