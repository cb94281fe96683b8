package dev.memwall.estimator.bench;

import dev.memwall.estimator.gguf.GgmlType;
import dev.memwall.estimator.gguf.GgufReader;
import dev.memwall.estimator.gguf.GgufValueType;
import dev.memwall.estimator.gguf.GgufWriter;
import dev.memwall.estimator.safetensors.SafetensorsDtype;
import dev.memwall.estimator.safetensors.SafetensorsReader;
import dev.memwall.estimator.safetensors.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reading the header of a 1,000-tensor GGUF file and of a 1,000-tensor safetensors file (from the page cache):
 * what `memwall inspect` and `memwall fit FILE` spend before any estimate. Run by bench/estimator-sweep.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HeaderParseBenchmark {

    static final int TENSORS = 1000;

    Path dir;
    Path gguf;
    Path safetensors;

    @Setup(Level.Trial)
    public void write() throws Exception {
        dir = Files.createTempDirectory("memwall-bench");
        GgufWriter g = new GgufWriter().kv("general.architecture", GgufValueType.STRING, "llama");
        SafetensorsWriter s = new SafetensorsWriter();
        for (int i = 0; i < TENSORS; i++) {
            String name = "blk." + (i / 10) + ".t" + (i % 10) + ".weight";
            g.tensor(name, i % 2 == 0 ? GgmlType.Q4_K : GgmlType.F16, 256, 8);
            s.tensor("model.layers." + (i / 10) + ".t" + (i % 10) + ".weight", SafetensorsDtype.BF16, 64, 8);
        }
        gguf = Files.write(dir.resolve("model.gguf"), g.write().bytes());
        safetensors = s.write(dir.resolve("model.safetensors"));
    }

    @TearDown(Level.Trial)
    public void delete() throws Exception {
        Files.deleteIfExists(gguf);
        Files.deleteIfExists(safetensors);
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public Object ggufHeader() throws Exception {
        return GgufReader.read(gguf);
    }

    @Benchmark
    public Object safetensorsHeader() throws Exception {
        return SafetensorsReader.read(safetensors);
    }
}
