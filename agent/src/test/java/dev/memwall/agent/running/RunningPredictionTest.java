package dev.memwall.agent.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.device.host.HostProcesses;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.DeviceClass;
import dev.memwall.estimator.fit.FitPlanner;
import dev.memwall.estimator.fit.HostCapacity;
import dev.memwall.estimator.fit.Verdict;
import dev.memwall.estimator.gguf.GgmlType;
import dev.memwall.estimator.gguf.GgufValueType;
import dev.memwall.estimator.gguf.GgufWriter;
import dev.memwall.estimator.source.LoadedModel;
import dev.memwall.estimator.source.ModelSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running llama.cpp model's prediction: its memory with the settings on its command line, beside what the process
 * holds; and its decode rates, memwall's bound and expectation on the CPU device it runs on, beside the rate its
 * runtime measured, with a note and the mismatch flag beyond 10%.
 */
class RunningPredictionTest {

    @TempDir
    Path dir;

    /** A CPU device of 32 GiB (host memory) whose read bandwidth was measured at 50 GB/s. */
    private static final Capacity CPU = new Capacity("opencl:0.0", "cpu", 32L << 30, null, null, 50e9, null, null, null,
            null, null, null, true, new Capacity.Hardware(DeviceClass.CPU, null, 2));

    private Path tinyLlama() throws Exception {
        return tinyLlama(1);
    }

    /** A small llama GGUF (tiny.gguf, rewritten on each call) of this many layers. */
    private Path tinyLlama(long layers) throws Exception {
        GgufWriter w = new GgufWriter().version(3)
                .kv("general.architecture", GgufValueType.STRING, "llama")
                .kv("llama.block_count", GgufValueType.UINT32, layers)
                .kv("llama.context_length", GgufValueType.UINT32, 512L)
                .kv("llama.embedding_length", GgufValueType.UINT32, 64L)
                .kv("llama.feed_forward_length", GgufValueType.UINT32, 128L)
                .kv("llama.attention.head_count", GgufValueType.UINT32, 4L)
                .kv("llama.vocab_size", GgufValueType.UINT32, 32L)
                .tensor("token_embd.weight", GgmlType.Q8_0, 64, 32);
        for (int i = 0; i < layers; i++) {
            w.tensor("blk." + i + ".attn_q.weight", GgmlType.Q8_0, 64, 64);
        }
        Path gguf = dir.resolve("tiny.gguf");
        Files.write(gguf, w.write().bytes());
        return gguf;
    }

    private static RunningNow running(Path gguf, Double measured) throws Exception {
        long size = Files.size(gguf);
        HostProcesses.HostProcess p = new HostProcesses.HostProcess(123, "llama-server", List.of("llama-server", "-m",
                gguf.toString(), "-c", "256"), null, List.of(new HostProcesses.ModelFile(gguf.toString(), size, null)),
                List.of("libllama.so"), null, null);
        RuntimeReading served = new RuntimeReading("http://127.0.0.1:8080", "llama.cpp", List.of(
                new LoadedRuntimeModel("tiny", gguf.toString(), null, null, 256L, null, null, null, 1, 0)), 0,
                measured, null, null, null, List.of(), null);
        return new RunningNow(RunningNow.of(p), 0, 1).withRuntimes(List.of(served)).withDevices(List.of(CPU));
    }

    @Test
    void theBoundAndExpectationAreFitsOnThatDeviceAndAMeasuredRateFarFromThemIsAMismatch() throws Exception {
        Path gguf = tinyLlama();
        RunningModel m = running(gguf, null).models().get(0);
        assertThat(m.predictedBytes()).as("%s", m.notes()).isNotNull();
        RunningModel.Decode d = m.decode();
        assertThat(d).isNotNull();
        assertThat(d.device()).isEqualTo("opencl:0.0");
        assertThat(d.measuredTokensPerSecond()).isNull();
        assertThat(m.mismatch()).isFalse();

        // The same answer `fit` gives for this file with llama.cpp at this context on this device.
        LoadedModel model = ModelSources.load(gguf.toString(), dev.memwall.estimator.catalog.ModelCatalog::builtIn);
        dev.memwall.estimator.fit.Workload w = new dev.memwall.estimator.fit.Workload(null,
                dev.memwall.estimator.precision.Precisions.kvCache("fp16").orElseThrow(), 256, 1,
                dev.memwall.estimator.fit.Mode.INFERENCE, dev.memwall.estimator.fit.Recompute.NONE, 16, 0,
                new dev.memwall.estimator.fit.RuntimeProfile.LlamaCpp(512,
                        dev.memwall.estimator.fit.LlamaCppProfile.FIT_MARGIN_BYTES, false, null));
        Verdict v = new FitPlanner(model.spec(), model.weights()).evaluate(w, CPU, 1, HostCapacity.UNKNOWN);
        assertThat(d.boundTokensPerSecond()).isEqualTo(v.decode().boundTokensPerSecond());
        assertThat(d.expectedTokensPerSecond()).isEqualTo(v.decode().expectedTokensPerSecond()).isNotNull();

        // Measured as expected: no note. Measured at twice the expectation: a note and the mismatch flag.
        RunningModel same = running(gguf, d.expectedTokensPerSecond() * 1.05).models().get(0);
        assertThat(same.mismatch()).isFalse();
        assertThat(same.decode().measuredOverExpected()).isCloseTo(1.05, org.assertj.core.data.Offset.offset(1e-9));
        RunningModel far = running(gguf, d.expectedTokensPerSecond() * 2).models().get(0);
        assertThat(far.mismatch()).isTrue();
        assertThat(far.notes()).anyMatch(n -> n.startsWith("its runtime measured ") && n.contains("+100%"));
    }

    @Test
    void aModelFileIsReadOnceWhileItStaysTheSameFile() throws Exception {
        Path gguf = tinyLlama();
        dev.memwall.estimator.source.LoadedModel first = RunningNow.load(gguf.toString());
        assertThat(RunningNow.load(gguf.toString())).isSameAs(first);
        // Another file under the same name (another size, a layer more): read again.
        tinyLlama(2);
        dev.memwall.estimator.source.LoadedModel second = RunningNow.load(gguf.toString());
        assertThat(second).isNotSameAs(first);
        assertThat(second.spec().layers()).isEqualTo(2);
    }

    @Test
    void withoutAMeasuredCpuDeviceNothingIsExpected() throws Exception {
        Path gguf = tinyLlama();
        long size = Files.size(gguf);
        HostProcesses.HostProcess p = new HostProcesses.HostProcess(123, "llama-server", List.of("llama-server", "-m",
                gguf.toString(), "-c", "256"), 50_000_000L, List.of(new HostProcesses.ModelFile(gguf.toString(), size,
                size)), List.of("libllama.so"), null, null);
        Capacity unmeasured = new Capacity("opencl:0.0", "cpu", 32L << 30, null, null, null, null, null, null, null, null,
                null, true, new Capacity.Hardware(DeviceClass.CPU, null, 2));
        RunningNow now = new RunningNow(RunningNow.of(p), 0, 1).withDevices(List.of(unmeasured));
        assertThat(now.models().get(0).decode()).isNull();
    }

    @Test
    void residentMemoryIsComparedWithoutTheProgramsOwnFilePages() throws Exception {
        Path gguf = tinyLlama();
        long size = Files.size(gguf);
        List<String> cmd = List.of("llama-server", "-m", gguf.toString(), "-c", "256");
        HostProcesses.ModelFile mapped = new HostProcesses.ModelFile(gguf.toString(), size, size);
        long predicted = RunningNow.of(new HostProcesses.HostProcess(1, "llama-server", cmd, null, List.of(mapped),
                List.of("libllama.so"), null, null)).get(0).predictedBytes();
        // 400 MB resident, nearly all of it the program's and its libraries' pages (a GPU runtime's can be that
        // large): what llama.cpp holds for the model (anonymous memory and the model's pages) is the prediction.
        RunningModel libraries = RunningNow.of(new HostProcesses.HostProcess(2, "llama-server", cmd, 400_000_000L,
                predicted - size, List.of(mapped), List.of("libllama.so"), null, null)).get(0);
        assertThat(libraries.mismatch()).as("%s", libraries.notes()).isFalse();
        assertThat(libraries.residentBytes()).isEqualTo(400_000_000L);
        // Anonymous memory 20% above what llama.cpp should have allocated: a note and the flag.
        RunningModel more = RunningNow.of(new HostProcesses.HostProcess(3, "llama-server", cmd, 400_000_000L,
                (long) ((predicted - size) * 1.2) + size / 5, List.of(mapped), List.of("libllama.so"), null, null))
                .get(0);
        assertThat(more.mismatch()).isTrue();
        assertThat(more.notes()).anyMatch(n -> n.startsWith("its anonymous memory and the model's resident pages: ")
                && n.contains("+20% above memwall's prediction"));
        // Without the anonymous part (an older kernel), the whole resident memory is compared.
        RunningModel whole = RunningNow.of(new HostProcesses.HostProcess(4, "llama-server", cmd, 400_000_000L,
                List.of(mapped), List.of("libllama.so"), null, null)).get(0);
        assertThat(whole.mismatch()).isEqualTo(400_000_000L > predicted * 1.1);
    }

    @Test
    void theContextOnTheCommandLineIsSharedByItsSequences() throws Exception {
        Path gguf = tinyLlama();
        long size = Files.size(gguf);
        // llama-server -c 1000 -np 4: n_ctx 1024 (padded to 256), 256 cells per sequence, as memwall's fit sizes
        // --context 256 --batch 4; not 1000 cells for each of 4 sequences.
        RunningModel m = RunningNow.of(new HostProcesses.HostProcess(5, "llama-server", List.of("llama-server", "-m",
                gguf.toString(), "-c", "1000", "-np", "4"), null, List.of(new HostProcesses.ModelFile(gguf.toString(),
                size, null)), List.of("libllama.so"), null, null)).get(0);
        LoadedModel model = ModelSources.load(gguf.toString(), null);
        dev.memwall.estimator.fit.MemoryEstimate fit = dev.memwall.estimator.fit.MemoryAccounting.estimate(
                model.spec(), model.weights(), new dev.memwall.estimator.fit.Workload(null,
                        dev.memwall.estimator.precision.Precisions.kvCache("fp16").orElseThrow(), 256, 4,
                        dev.memwall.estimator.fit.Mode.INFERENCE, dev.memwall.estimator.fit.Recompute.NONE, 16, 0,
                        new dev.memwall.estimator.fit.RuntimeProfile.LlamaCpp(
                                dev.memwall.estimator.fit.LlamaCppProfile.UBATCH_TOKENS,
                                dev.memwall.estimator.fit.LlamaCppProfile.FIT_MARGIN_BYTES, false)), 1, null, true);
        assertThat(m.predictedBytes()).isEqualTo(fit.totalBytes());
        // One sequence: the whole context is its own.
        RunningModel one = RunningNow.of(new HostProcesses.HostProcess(6, "llama-server", List.of("llama-server",
                "-m", gguf.toString(), "-c", "1024"), null, List.of(new HostProcesses.ModelFile(gguf.toString(), size,
                null)), List.of("libllama.so"), null, null)).get(0);
        assertThat(RunningNow.workload((LlamaCppArgs) one.settings(), dev.memwall.estimator.precision.Precisions
                .kvCache("fp16").orElseThrow()).contextTokens()).isEqualTo(1024);
    }

    /** An 80 GiB GPU with a 500 MiB CUDA context. */
    private static final Capacity GPU = new Capacity("cuda:0", "GPU", 80L << 30, 40L << 30, null, 3e12, null, null,
            new dev.memwall.estimator.fit.DeviceOverhead("cuda_context", 500L << 20, "test"), null, null, null, false);

    private RunningModel onDevices(Path gguf, String ngl, java.util.Map<String, List<dev.memwall.device.DeviceProcess>>
            byDevice) throws Exception {
        HostProcesses.HostProcess p = new HostProcesses.HostProcess(77, "llama-server", List.of("llama-server", "-m",
                gguf.toString(), "-c", "256", "-ngl", ngl), 300_000_000L, List.of(new HostProcesses.ModelFile(
                gguf.toString(), Files.size(gguf), Files.size(gguf))), List.of("libllama.so", "libggml-cuda.so"),
                null, null);
        return RunningNow.of(new HostProcesses.Scan(List.of(p), 0, 1), byDevice, pid -> null)
                .withDevices(List.of(CPU, GPU)).models().get(0);
    }

    @Test
    void everyLayerOnOneGpuIsPredictedThereBesideItsDeviceMemory() throws Exception {
        Path gguf = tinyLlama();
        LoadedModel model = ModelSources.load(gguf.toString(), null);
        // What fit --runtime llama.cpp predicts on that GPU: the device's items (the input embedding and the output
        // buffer stay in host memory) and its CUDA context.
        dev.memwall.estimator.fit.MemoryEstimate onGpu = dev.memwall.estimator.fit.MemoryAccounting.estimate(
                model.spec(), model.weights(), RunningNow.workload(new LlamaCppArgs(256L, 99, null, null, null, null,
                        null, null, null), dev.memwall.estimator.precision.Precisions.kvCache("fp16").orElseThrow()),
                1, GPU.overhead(), false);
        long predicted = onGpu.totalBytes();
        assertThat(onGpu.bytes("cuda_context")).isEqualTo(500L << 20);
        assertThat(onGpu.bytes("input_embedding")).isPositive();
        assertThat(predicted).isLessThan(onGpu.totalBytes() + onGpu.hostBytes());

        RunningModel near = onDevices(gguf, "99", java.util.Map.of("cuda:0", List.of(
                new dev.memwall.device.DeviceProcess(77, predicted + (5L << 20), dev.memwall.device.DeviceProcess.COMPUTE))));
        assertThat(near.predictedBytes()).isEqualTo(predicted);
        assertThat(near.predictedOnDevice()).isTrue();
        assertThat(near.measuredBytes()).isEqualTo(predicted + (5L << 20));
        assertThat(near.mismatch()).as("%s", near.notes()).isFalse();
        assertThat(near.notes()).anyMatch(n -> n.startsWith("every layer on cuda:0 (-ngl 99)"))
                .noneMatch(n -> n.startsWith("layers offloaded to a GPU"));
        // Its decode bound is the GPU's (3 TB/s over what a token reads), not the CPU device's.
        assertThat(near.decode()).isNotNull();
        assertThat(near.decode().device()).isEqualTo("cuda:0");
        Verdict onGpuVerdict = new FitPlanner(model.spec(), model.weights()).evaluate(RunningNow.workload(
                new LlamaCppArgs(256L, 99, null, null, null, null, null, null, null),
                dev.memwall.estimator.precision.Precisions.kvCache("fp16").orElseThrow()), GPU.withFreeBytes(null), 1,
                HostCapacity.UNKNOWN);
        assertThat(near.decode().boundTokensPerSecond()).isEqualTo(onGpuVerdict.decode().boundTokensPerSecond());

        RunningModel far = onDevices(gguf, "all", java.util.Map.of("cuda:0", List.of(
                new dev.memwall.device.DeviceProcess(77, 3L << 30, dev.memwall.device.DeviceProcess.COMPUTE))));
        assertThat(far.mismatch()).isTrue();
        assertThat(far.notes()).anyMatch(n -> n.startsWith("its device memory (3.00 GiB) is +"));

        // The model has one layer: -ngl 1 leaves the output layer on the CPU, a partial offload.
        RunningModel partial = onDevices(gguf, "1", java.util.Map.of("cuda:0", List.of(
                new dev.memwall.device.DeviceProcess(77, 1L << 30, dev.memwall.device.DeviceProcess.COMPUTE))));
        assertThat(partial.predictedBytes()).isNull();
        assertThat(partial.notes()).anyMatch(n -> n.equals("1 of 1 layers on the GPU (the output layer stays on the "
                + "CPU): partial offload is not predicted"));
        // Split over two GPUs: named, not predicted.
        RunningModel split = onDevices(gguf, "99", java.util.Map.of(
                "cuda:0", List.of(new dev.memwall.device.DeviceProcess(77, 1L << 30, "compute")),
                "cuda:1", List.of(new dev.memwall.device.DeviceProcess(77, 1L << 30, "compute"))));
        assertThat(split.predictedBytes()).isNull();
        assertThat(split.deviceBytes()).isEqualTo(2L << 30);
        assertThat(split.notes()).anyMatch(n -> n.startsWith("its memory is split over 2 devices"));
        // Listed, but without -c on its command line: said so.
        HostProcesses.HostProcess noContext = new HostProcesses.HostProcess(78, "llama-server", List.of("llama-server",
                "-m", gguf.toString(), "-ngl", "99"), null, List.of(new HostProcesses.ModelFile(gguf.toString(),
                Files.size(gguf), null)), List.of("libllama.so"), null, null);
        RunningModel unsized = RunningNow.of(new HostProcesses.Scan(List.of(noContext), 0, 1), java.util.Map.of(
                "cuda:0", List.of(new dev.memwall.device.DeviceProcess(78, 1L << 30, "compute"))), pid -> null)
                .withDevices(List.of(CPU, GPU)).models().get(0);
        assertThat(unsized.predictedBytes()).isNull();
        assertThat(unsized.notes()).contains("no prediction on cuda:0: the context it was started with is not on its "
                + "command line (-c/--ctx-size)").noneMatch(n -> n.startsWith("layers offloaded to a GPU"));
        // No driver lists it: nothing predicted, and the note says why.
        RunningModel unseen = onDevices(gguf, "99", java.util.Map.of());
        assertThat(unseen.predictedBytes()).isNull();
        assertThat(unseen.notes()).contains("layers offloaded to a GPU (-ngl 99): predicted only where a driver lists "
                + "the process's device memory");
    }
}
