package dev.memwall.device.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.NativeLibrary;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceException;
import dev.memwall.device.DeviceProcess;
import dev.memwall.device.testing.FakeDriver;
import dev.memwall.device.testing.SystemParts;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Per-process device memory through NvmlDevice's JNA calls against the fake NVML (process lists, hidden values,
 * older drivers, refusals, errors, lists that grow between the count and the list). Runs in the "fake-driver"
 * surefire execution: the fake is loaded into that JVM.
 */
@Tag("fake-driver")
class NvmlProcessesOnFakeDriverTest {

    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    static final String V3 = "nvmlDeviceGetComputeRunningProcesses_v3";
    static final String GRAPHICS_V3 = "nvmlDeviceGetGraphicsRunningProcesses_v3";
    static final int NOT_SUPPORTED = 3;
    static final int NO_PERMISSION = 4;
    static final int GPU_IS_LOST = 15;
    static final int UNKNOWN = 999;

    @BeforeAll
    static void loadTheFakeDriver() throws Exception {
        SystemParts.require(FakeDriver.gccPresent(), "gcc (to build the fake NVIDIA driver)", "apt-get install gcc");
        FakeDriver.loadIntoThisJvm();
        FakeDriver.configure(config("", ""));
        assertThat(new NvmlBackend().availability().available()).isTrue();
    }

    /** Two devices with extra keys each; without them neither has processes. */
    static String config(String device0Keys, String device1Keys) {
        return "context_bytes=256MiB\n"
                + "device name=busy total=8GiB free=4GiB reserved=256MiB " + device0Keys + "\n"
                + "device name=idle total=8GiB free=7GiB reserved=256MiB " + device1Keys + "\n";
    }

    static List<Device> devices(String device0Keys) throws DeviceException {
        return devices(device0Keys, "");
    }

    /** Configures the fake, initialises it again as the backend did once, and lists the devices. */
    static List<Device> devices(String device0Keys, String device1Keys) throws DeviceException {
        FakeDriver.configure(config(device0Keys, device1Keys));
        assertThat(NativeLibrary.getInstance(FakeDriver.NVML_LIBRARY).getFunction("nvmlInit_v2")
                .invokeInt(new Object[0])).isZero();
        List<Device> devices = new NvmlBackend().devices();
        assertThat(devices).hasSize(2);
        return devices;
    }

    static DeviceProcess compute(long pid, Long bytes) {
        return new DeviceProcess(pid, bytes, DeviceProcess.COMPUTE);
    }

    static DeviceProcess graphics(long pid, Long bytes) {
        return new DeviceProcess(pid, bytes, DeviceProcess.GRAPHICS);
    }

    @Test
    void processesWithTheirMemoryOnOneDeviceAndNoneOnTheOther() throws Exception {
        List<Device> devices = devices("process_list=4242:1GiB:compute,4243:512MiB:compute");
        assertThat(devices.get(0).processes()).containsExactly(compute(4242, GIB), compute(4243, 512 * MIB));
        assertThat(devices.get(1).processes()).isNotNull().isEmpty();
        assertThat(devices.get(0).attributes()).containsEntry("compute_processes", 2);
        assertThat(devices.get(1).attributes()).containsEntry("compute_processes", 0);
    }

    @Test
    void theProcessesKeyStillGivesContextSizedComputeProcesses() throws Exception {
        // processes=N: pids 10000 + i, each using context_bytes (256 MiB here).
        assertThat(devices("processes=2").get(0).processes())
                .containsExactly(compute(10000, 256 * MIB), compute(10001, 256 * MIB));
    }

    @Test
    void aHiddenValueIsNullNotZero() throws Exception {
        assertThat(devices("process_list=4242:hidden:compute,4243:0:compute").get(0).processes())
                .containsExactly(compute(4242, null), compute(4243, 0L));
    }

    @Test
    void graphicsAfterComputeAndAProcessWithBothListedOncePerKind() throws Exception {
        Device busy = devices("process_list=7001:300MiB:graphics,4242:1GiB:compute,4242:64MiB:graphics,"
                + "7002:hidden:graphics").get(0);
        assertThat(busy.processes()).containsExactly(compute(4242, GIB), graphics(7001, 300 * MIB),
                graphics(4242, 64 * MIB), graphics(7002, null));
        assertThat(busy.attributes()).containsEntry("compute_processes", 1);
    }

    @Test
    void aPidListedTwiceInOneKindIsOneEntryWithTheSum() throws Exception {
        assertThat(devices("process_list=4242:1GiB:compute,4243:1MiB:compute,4242:2GiB:compute,"
                + "4244:1MiB:compute,4244:hidden:compute").get(0).processes())
                .containsExactly(compute(4242, 3 * GIB), compute(4243, MIB), compute(4244, null));
    }

    /** Version 1 is the unversioned legacy name with the 16-byte struct: a wrong stride would misread pids. */
    @ParameterizedTest
    @CsvSource({
        "2, nvmlDeviceGetComputeRunningProcesses_v2, nvmlDeviceGetGraphicsRunningProcesses_v2",
        "1, nvmlDeviceGetComputeRunningProcesses, nvmlDeviceGetGraphicsRunningProcesses",
    })
    void olderDriversAreAskedThroughTheirNewestQuery(int version, String computeCall, String graphicsCall)
            throws Exception {
        Device busy = devices("nvml_processes_version=" + version
                + " process_list=4242:1GiB:compute,4243:hidden:compute,4244:3MiB:compute,7001:5MiB:graphics")
                .get(0);
        List<DeviceProcess> expected = List.of(compute(4242, GIB), compute(4243, null), compute(4244, 3 * MIB),
                graphics(7001, 5 * MIB));
        assertThat(busy.processes()).isEqualTo(expected);
        assertThat(busy.processes()).as("again, from the remembered version").isEqualTo(expected);
        assertThat(FakeDriver.nvmlCalls(V3)).as("v3 tried once per device").isEqualTo(1);
        assertThat(FakeDriver.nvmlCalls(GRAPHICS_V3)).isEqualTo(1);
        // Per reading: a count call and a sized call, twice.
        assertThat(FakeDriver.nvmlCalls(computeCall)).isEqualTo(4);
        assertThat(FakeDriver.nvmlCalls(graphicsCall)).isEqualTo(4);
    }

    @ParameterizedTest
    @ValueSource(ints = {NO_PERMISSION, NOT_SUPPORTED})
    void aKindTheDriverRefusesIsLeftOutAndBothRefusedIsCannotTell(int code) throws Exception {
        Device busy = devices("process_list=4242:1GiB:compute,7001:5MiB:graphics").get(0);
        FakeDriver.injectNvml(V3, 1, code, 0, false);
        assertThat(busy.processes()).containsExactly(graphics(7001, 5 * MIB));
        FakeDriver.injectNvml(GRAPHICS_V3, 1, code, 0, false);
        assertThat(busy.processes()).containsExactly(compute(4242, GIB));
        FakeDriver.injectNvml(V3, 1, code, 0, false);
        FakeDriver.injectNvml(GRAPHICS_V3, 1, code, 0, false);
        assertThat(busy.processes()).isNull();
        FakeDriver.injectNvml(V3, 1, code, 0, false);
        assertThat(busy.attributes()).containsEntry("compute_processes", null);
        assertThat(busy.processes()).as("a refusal is not remembered")
                .containsExactly(compute(4242, GIB), graphics(7001, 5 * MIB));
    }

    /** nth 1 fails the count call, nth 2 the sized call. */
    @ParameterizedTest
    @CsvSource({
        "1, 15, nvmlDeviceGetComputeRunningProcesses_v3 failed on nvml:1: NVML: GPU is lost (15)",
        "2, 999, nvmlDeviceGetComputeRunningProcesses_v3 failed on nvml:1: NVML: Unknown Error (999)",
    })
    void aHardErrorNamesTheCallAndTheDevice(int nth, int code, String message) throws Exception {
        Device second = devices("processes=1", "processes=1").get(1);
        FakeDriver.injectNvml(V3, nth, code, 1, false);
        assertThatThrownBy(second::processes).isInstanceOf(DeviceException.class).hasMessage(message)
                .satisfies(e -> {
                    DeviceException d = (DeviceException) e;
                    assertThat(d.deviceId()).isEqualTo("nvml:1");
                    assertThat(d.code()).isEqualTo(code);
                });
        FakeDriver.injectNvml(V3, nth, code, 1, false);
        assertThat(second.attributes()).as("attributes never throw").containsEntry("compute_processes", null);
    }

    @Test
    void processesThatStartBetweenTheCountAndTheListFitTheSpareRoom() throws Exception {
        // One process at the count, three more by the list: within the 4 spare entries, no retry.
        Device busy = devices("processes=1 process_growth=3").get(0);
        assertThat(busy.processes()).containsExactly(compute(10000, 256 * MIB), compute(20000, 256 * MIB),
                compute(20001, 256 * MIB), compute(20002, 256 * MIB));
        assertThat(FakeDriver.nvmlCalls(V3)).isEqualTo(2);
    }

    @Test
    void aListThatOutgrewTheRoomIsAskedForAgain() throws Exception {
        // Count 1; the sized call (room 5) finds 7; the retry (room 7 + 8) finds 13.
        Device busy = devices("processes=1 process_growth=6").get(0);
        List<DeviceProcess> processes = busy.processes();
        assertThat(processes).hasSize(13).first().isEqualTo(compute(10000, 256 * MIB));
        assertThat(processes).last().isEqualTo(compute(20011, 256 * MIB));
        assertThat(FakeDriver.nvmlCalls(V3)).isEqualTo(3);
    }

    @Test
    void aListThatKeepsGrowingIsAnErrorAfterBoundedTries() throws Exception {
        Device busy = devices("processes=1 process_growth=100").get(0);
        assertThatThrownBy(busy::processes).isInstanceOf(DeviceException.class)
                .hasMessage("nvmlDeviceGetComputeRunningProcesses_v3 on nvml:0 still needed room for 301 compute "
                        + "processes after 3 tries: the list kept growing");
        assertThat(FakeDriver.nvmlCalls(V3)).isEqualTo(4);
    }

    @Test
    void anImplausibleCountIsRefusedBeforeAllocating() throws Exception {
        Device busy = devices("processes=5000").get(0);
        assertThatThrownBy(busy::processes).isInstanceOf(DeviceException.class)
                .hasMessage("nvmlDeviceGetComputeRunningProcesses_v3 on nvml:0 reported 5000 compute processes, "
                        + "more than 4096");
        assertThat(FakeDriver.nvmlCalls(V3)).as("only the count was asked").isEqualTo(1);
    }
}
