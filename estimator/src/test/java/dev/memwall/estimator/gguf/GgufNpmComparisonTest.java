package dev.memwall.estimator.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads a written file with the {@code @huggingface/gguf} npm parser and with memwall's, and compares tensors and
 * metadata. Needs {@code node} and the package: {@code -Dmemwall.gguf.npm=<node_modules folder>}, or one under
 * {@code target/npm/node_modules}; skipped otherwise.
 */
class GgufNpmComparisonTest {

    private static final String PROPERTY = "memwall.gguf.npm";

    // Prints one tab-separated line per fact; bigint and number stay apart so the comparison sees the type.
    private static final String SCRIPT = """
            const path = require('path');
            const { gguf } = require(path.join(process.argv[2], '@huggingface', 'gguf'));
            gguf(process.argv[3], { allowLocalFile: true }).then(r => {
              const out = [];
              out.push(['data', r.tensorDataOffset.toString()].join('\\t'));
              for (const t of r.tensorInfos) {
                out.push(['tensor', t.name, t.dtype, t.shape.map(String).join(','), t.offset.toString()].join('\\t'));
              }
              for (const [k, v] of Object.entries(r.metadata)) {
                if (['version', 'tensor_count', 'kv_count'].includes(k)) continue;
                const kind = Array.isArray(v) ? 'array' : typeof v;
                out.push(['meta', k, kind, Array.isArray(v) ? v.length : String(v)].join('\\t'));
              }
              process.stdout.write(out.join('\\n') + '\\n');
            }).catch(e => { console.error(e); process.exit(1); });
            """;

    @Test
    void npmParserReadsWhatMemwallReads(@TempDir Path dir) throws Exception {
        Path modules = nodeModules();
        Path file = TinyLlama.writer(3, 2000).write().writeTo(dir.resolve("tiny.gguf"));
        Path script = Files.writeString(dir.resolve("read.js"), SCRIPT);

        Process node = new ProcessBuilder("node", script.toString(), modules.toString(), file.toString())
                .redirectErrorStream(true).start();
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(node.exitValue()).as(output).isZero();

        GgufFile memwall = GgufReader.read(file);
        List<String> tensors = new ArrayList<>();
        Map<String, String[]> metadata = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            String[] f = line.split("\t", -1);
            switch (f[0]) {
                case "data" -> assertThat(Long.parseLong(f[1])).isEqualTo(memwall.dataOffset());
                case "tensor" -> tensors.add(f[1] + " " + f[2] + " " + f[3] + " " + f[4]);
                case "meta" -> metadata.put(f[1], new String[] {f[2], f[3]});
                default -> throw new AssertionError("unexpected line from node: " + line);
            }
        }
        assertThat(tensors).containsExactlyElementsOf(memwall.tensors().stream().map(t -> t.name() + " "
                + t.type().id() + " " + String.join(",", java.util.Arrays.stream(t.shape()).mapToObj(Long::toString)
                        .toList()) + " " + t.offset()).toList());
        assertThat(metadata.keySet()).containsExactlyElementsOf(memwall.metadata().keySet());
        metadata.forEach((key, npm) -> assertThat(same(memwall.metadata().get(key), npm[0], npm[1]))
                .as("%s: memwall %s, npm %s %s", key, memwall.metadata().get(key), npm[0], npm[1]).isTrue());
    }

    private static boolean same(Object memwall, String kind, String npm) {
        return switch (kind) {
            case "number" -> memwall instanceof Number n && n.doubleValue() == Double.parseDouble(npm);
            case "bigint" -> (memwall instanceof Long || memwall instanceof BigInteger)
                    && memwall.toString().equals(npm);
            case "array" -> memwall instanceof GgufArray a && a.count() == Long.parseLong(npm);
            default -> String.valueOf(memwall).equals(npm);
        };
    }

    /**
     * Skips with the message, or fails when {@code MEMWALL_REQUIRE_SYSTEM_PARTS} is set (CI installs the package
     * with npm, so nothing skips silently there).
     */
    private static void assumeTrue(boolean present, String message) {
        if (present) {
            return;
        }
        String strict = System.getenv("MEMWALL_REQUIRE_SYSTEM_PARTS");
        if (strict != null && (strict.equals("1") || strict.equalsIgnoreCase("true"))) {
            org.junit.jupiter.api.Assertions.fail(message + "; MEMWALL_REQUIRE_SYSTEM_PARTS is set, so this fails");
        }
        org.junit.jupiter.api.Assumptions.abort(message + "; skipping");
    }

    private static Path nodeModules() throws InterruptedException {
        String property = System.getProperty(PROPERTY);
        Path modules = (property != null ? Path.of(property) : Path.of("target", "npm", "node_modules")).toAbsolutePath();
        assumeTrue(Files.isRegularFile(modules.resolve("@huggingface/gguf/package.json")),
                "no @huggingface/gguf under " + modules.toAbsolutePath() + "; set -D" + PROPERTY
                        + "=<node_modules> (npm install --prefix DIR @huggingface/gguf) to compare with it");
        try {
            Process version = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            version.getInputStream().readAllBytes();
            assumeTrue(version.waitFor(30, TimeUnit.SECONDS) && version.exitValue() == 0, "node --version failed");
        } catch (IOException e) {
            assumeTrue(false, "node is not on the PATH: " + e.getMessage());
        }
        return modules;
    }
}
