package dev.memwall.agent.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.device.DeviceProcess;
import dev.memwall.device.host.HostProcesses;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.DeviceOverhead;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A vLLM server on a GPU: found through the driver's process list and its command line (it maps no model file once
 * loaded), its device memory beside the budget it takes (gpu_memory_utilization of the total, plus the CUDA context).
 */
class RunningVllmTest {

    private static final long GIB = 1L << 30;
    private static final Capacity GPU = new Capacity("cuda:0", "NVIDIA H100 80GB HBM3", 80 * GIB, 2 * GIB, null, 3e12,
            null, null, new DeviceOverhead("cuda_context", 600L << 20, "test"), null, null, null, false);

    private static RunningNow running(long used, String... utilization) {
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/python3", "/usr/local/bin/vllm", "serve",
                "Qwen/Qwen3-8B", "--max-model-len", "32768"));
        cmd.addAll(List.of(utilization));
        HostProcesses.HostProcess vllm = new HostProcesses.HostProcess(4242, "python3", cmd, 3 * GIB, List.of(),
                List.of(), "/system.slice/docker-" + "ab".repeat(32) + ".scope", "ab".repeat(32));
        return RunningNow.of(new HostProcesses.Scan(List.of(), 0, 10),
                Map.of("cuda:0", List.of(new DeviceProcess(4242, used, DeviceProcess.COMPUTE),
                        new DeviceProcess(9, 1L << 20, DeviceProcess.GRAPHICS))),
                pid -> pid == 4242 ? vllm : null).withDevices(List.of(GPU));
    }

    @Test
    void itsDeviceMemoryBesideItsBudget() {
        long budget = (long) Math.ceil(80 * GIB * 0.5) + (600L << 20);
        RunningNow now = running(budget + (1L << 20), "--gpu-memory-utilization", "0.5");
        assertThat(now.models()).hasSize(1);
        RunningModel m = now.models().get(0);
        assertThat(m.runtime()).isEqualTo("vllm");
        assertThat(m.modelPath()).isEqualTo("Qwen/Qwen3-8B");
        assertThat(m.settings().contextTokens()).isEqualTo(32768L);
        assertThat(m.predictedBytes()).isEqualTo(budget);
        assertThat(m.deviceBytes()).isEqualTo(budget + (1L << 20));
        assertThat(m.containerId()).isEqualTo("ab".repeat(32));
        assertThat(m.mismatch()).isFalse();
        assertThat(now.deviceProcesses()).extracting(RunningNow.DeviceUser::pid).containsExactly(4242L, 9L);
    }

    @Test
    void farFromItsBudgetIsAMismatchAndTheDefaultUtilizationIsUsedWhereNoneIsGiven() {
        RunningModel m = running(10 * GIB).models().get(0);
        assertThat(m.predictedBytes()).isGreaterThan(60 * GIB);
        assertThat(m.mismatch()).isTrue();
        assertThat(m.notes()).anyMatch(n -> n.contains("(its default)"))
                .anyMatch(n -> n.startsWith("its device memory (10.00 GiB) is"));
    }
}
