package dev.memwall.agent.truth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memwall.device.opencl.OpenClBackend;
import dev.memwall.device.testing.SystemParts;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Real llama.cpp, run through node-llama-cpp's prebuilt CPU binaries (npm {@code node-llama-cpp@3.21.1}, as
 * {@code .ci/run} installs it under {@code agent/target/npm}, or {@code -Dmemwall.llamacpp.npm=<node_modules>}).
 */
final class LlamaCppRuntime {

    static final String VERSION = "3.21.1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path modules;
    private final Path scripts;

    private LlamaCppRuntime(Path modules, Path scripts) {
        this.modules = modules;
        this.scripts = scripts;
    }

    /** The runtime, or a skip (a failure under MEMWALL_REQUIRE_SYSTEM_PARTS) saying how to install it. */
    static LlamaCppRuntime require(Path scratch) throws IOException {
        String configured = System.getProperty("memwall.llamacpp.npm");
        Path modules = configured != null ? Path.of(configured) : Path.of("target", "npm", "node_modules");
        boolean present = Files.isRegularFile(modules.resolve("node-llama-cpp/dist/index.js")) && onPath("node");
        SystemParts.require(present, "llama.cpp through node-llama-cpp " + VERSION + " (looked in " + modules + ")",
                "npm install --omit=optional --prefix agent/target/npm node-llama-cpp@" + VERSION
                        + " @node-llama-cpp/linux-x64@" + VERSION);
        Path scripts = Files.createDirectories(scratch.resolve("scripts"));
        for (String name : List.of("llama-buffers.mjs", "llama-decode.mjs", "hold-model.mjs")) {
            try (InputStream in = Objects.requireNonNull(LlamaCppRuntime.class.getResourceAsStream("/truth/" + name))) {
                Files.copy(in, scripts.resolve(name));
            }
        }
        return new LlamaCppRuntime(modules.toAbsolutePath(), scripts);
    }

    /**
     * The runtime and the OpenCL device of this CPU, which memwall's side of a comparison measures; each missing
     * one a skip (a failure under MEMWALL_REQUIRE_SYSTEM_PARTS).
     */
    static LlamaCppRuntime requireWithOpenCl(Path scratch) throws IOException {
        OpenClBackend opencl = new OpenClBackend();
        SystemParts.require(opencl.availability().available(), "an OpenCL device (" + opencl.availability().reason()
                + ")", "apt-get install pocl-opencl-icd ocl-icd-opencl-dev");
        return require(scratch);
    }

    /** Writes a suite's comparisons to {@code target/truth/FILE} (tab-separated) for docs/ACCURACY.md. */
    static void writeTable(String file, String header, List<String> rows) throws IOException {
        if (rows.isEmpty()) {
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(header);
        lines.addAll(rows);
        Files.write(Files.createDirectories(Path.of("target", "truth")).resolve(file), lines);
    }

    static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Tokens per second llama.cpp decoded one sequence at, {@code runs} times in one process (see llama-decode.mjs):
     * greedy tokens after a 4-token prompt, the prompt's evaluation not timed.
     */
    List<Double> decode(Path model, int threads, int context, int tokens, int runs)
            throws IOException, InterruptedException {
        List<Double> rates = new ArrayList<>();
        for (JsonNode run : run("llama-decode.mjs", model.toString(), String.valueOf(threads),
                String.valueOf(context), String.valueOf(tokens), String.valueOf(runs))) {
            if (run.get("tokens").asInt() != tokens || run.get("threads").asInt() != threads) {
                throw new AssertionError("llama.cpp decoded " + run + ", not " + tokens + " tokens on " + threads
                        + " threads");
            }
            rates.add(run.get("tokens_per_second").asDouble());
        }
        return rates;
    }

    /**
     * What llama.cpp logged when it loaded the model and made each context: one JSON object for the model's
     * buffers, then one per context (see llama-buffers.mjs).
     */
    List<JsonNode> buffers(Path model, String contextsJson) throws IOException, InterruptedException {
        return run("llama-buffers.mjs", model.toString(), contextsJson);
    }

    /**
     * Starts one of the scripts with node and leaves it running (see hold-model.mjs): its stdin is the caller's to
     * write, its stdout to read; stderr goes to a file beside the scripts.
     */
    Process start(String script, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("node", scripts.resolve(script).toString(),
                modules.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(scripts.resolve(script + ".err").toFile()).start();
    }

    /** Runs one of the scripts with node and returns the JSON objects it printed, one per line. */
    private List<JsonNode> run(String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", scripts.resolve(script).toString(),
                modules.toString()));
        command.addAll(List.of(args));
        // Output to a file, so the time limit holds whatever the process writes or holds open.
        Path log = Files.createTempFile(scripts, script, ".out");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(300, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (!finished) {
            throw new AssertionError("llama.cpp did not finish in 300 s: " + out);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("llama.cpp exited with " + p.exitValue() + ": " + out);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("{")) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }
}
