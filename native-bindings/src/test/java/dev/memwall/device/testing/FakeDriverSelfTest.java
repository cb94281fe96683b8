package dev.memwall.device.testing;

import static jcuda.driver.JCudaDriver.cuCtxGetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxPopCurrent;
import static jcuda.driver.JCudaDriver.cuCtxPushCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDeviceGetPCIBusId;
import static jcuda.driver.JCudaDriver.cuDeviceGetUuid;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuGetErrorName;
import static jcuda.driver.JCudaDriver.cuGetErrorString;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemHostAlloc;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataEx;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataJIT;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.CUuuid;
import jcuda.driver.JITOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the fake drivers through the real call paths: JCuda's JNI code into the fake libcuda.so.1, JNA into
 * the fake libnvidia-ml.so.1, and a child process that finds both through {@link FakeDriver#processEnvironment}.
 */
@Tag("fake-driver")
class FakeDriverSelfTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final long CONTEXT_BYTES = 256 * MIB;

    private static final int SUCCESS = 0;
    private static final int INVALID_VALUE = 1;
    private static final int OUT_OF_MEMORY = 2;
    private static final int NOT_INITIALIZED = 3;
    private static final int NO_DEVICE = 100;
    private static final int INVALID_DEVICE = 101;
    private static final int INVALID_IMAGE = 200;
    private static final int INVALID_CONTEXT = 201;
    private static final int INVALID_PTX = 218;
    private static final int UNSUPPORTED_PTX_VERSION = 222;
    private static final int NOT_FOUND = 500;
    private static final int ILLEGAL_ADDRESS = 700;
    private static final int UNKNOWN = 999;

    private static final String PTX = String.join("\n",
            ".version 8.0",
            ".target sm_52",
            ".address_size 64",
            ".visible .entry read_stream(.param .u64 in, .param .u64 out, .param .u64 n)",
            "{",
            "  ret;",
            "}",
            "");

    /** What twoGpuConfig() promises, per device. */
    private record Expected(String name, String uuidHex, String pciBusId, long total, long free, long reserved,
                            int ccMajor, int ccMinor, int sms, int smClockKhz, int memClockKhz, int busWidth,
                            int l2, int ecc, int pciDomain, int pciBus, int pciDevice, int processes,
                            int pciDeviceId) {
    }

    private static final List<Expected> DEVICES = List.of(
            new Expected("NVIDIA H100 80GB HBM3", "8e3b1c52000040008000000000000001", "0000:3B:00.0",
                    4 * GIB, 3 * GIB, 256 * MIB, 9, 0, 132, 1980000, 2619000, 5120, 8 << 20, 1, 0, 0x3b, 0, 0,
                    0x233010DE),
            new Expected("NVIDIA A100-SXM4-40GB", "2f6a9d17000040008000000000000002", "0001:86:01.0",
                    2 * GIB, 3 * GIB / 2, 128 * MIB, 8, 0, 108, 1410000, 1215000, 4096, 4 << 20, 0, 1, 0x86, 1, 2,
                    0x20B010DE));

    /** The NVML calls the test makes, bound by library name as a backend would. */
    public interface Nvml extends Library {
        int nvmlInit_v2();

        int nvmlShutdown();

        String nvmlErrorString(int result);

        int nvmlSystemGetDriverVersion(byte[] version, int length);

        int nvmlDeviceGetCount_v2(IntByReference count);

        int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

        int nvmlDeviceGetName(Pointer device, byte[] name, int length);

        int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length);

        int nvmlDeviceGetPciInfo_v3(Pointer device, Pointer pci);

        int nvmlDeviceGetMemoryInfo(Pointer device, Pointer memory);

        int nvmlDeviceGetMemoryInfo_v2(Pointer device, Pointer memory);

        int nvmlDeviceGetComputeRunningProcesses_v3(Pointer device, IntByReference count, Pointer infos);
    }

    @BeforeEach
    void loadAndConfigure() throws IOException {
        SystemParts.require(FakeDriver.gccPresent(), "gcc", "apt-get install gcc");
        FakeDriver.loadIntoThisJvm();
        FakeDriver.configure(FakeDriver.twoGpuConfig());
    }

    @AfterEach
    void nothingLeaks() {
        if (!FakeDriver.gccPresent()) {
            return;
        }
        assertThat(FakeDriver.liveContexts()).as("live contexts").isZero();
        assertThat(FakeDriver.liveContextRefs()).as("context retains").isZero();
        assertThat(FakeDriver.contextStackDepth()).as("context stack").isZero();
        assertThat(FakeDriver.liveAllocations()).as("allocations").isZero();
        assertThat(FakeDriver.liveAllocatedBytes()).as("allocated bytes").isZero();
        assertThat(FakeDriver.livePinned()).as("pinned").isZero();
        assertThat(FakeDriver.liveStreams()).as("streams").isZero();
        assertThat(FakeDriver.liveEvents()).as("events").isZero();
        assertThat(FakeDriver.liveModules()).as("modules").isZero();
        assertThat(FakeDriver.nvmlLiveInits()).as("NVML inits").isZero();
    }

    @Test
    void devicesMatchTheConfigurationThroughJCuda() {
        int[] version = new int[1];
        assertThat(cuDriverGetVersion(version)).isEqualTo(SUCCESS);
        assertThat(version[0]).isEqualTo(12060);
        assertThat(cuDeviceGetCount(new int[1])).as("before cuInit").isEqualTo(NOT_INITIALIZED);
        assertThat(cuInit(0)).isEqualTo(SUCCESS);
        int[] count = new int[1];
        assertThat(cuDeviceGetCount(count)).isEqualTo(SUCCESS);
        assertThat(count[0]).isEqualTo(2);
        assertThat(cuDeviceGet(new CUdevice(), 2)).isEqualTo(INVALID_DEVICE);

        for (int i = 0; i < 2; i++) {
            Expected e = DEVICES.get(i);
            CUdevice dev = new CUdevice();
            assertThat(cuDeviceGet(dev, i)).isEqualTo(SUCCESS);
            byte[] name = new byte[256];
            assertThat(cuDeviceGetName(name, name.length, dev)).isEqualTo(SUCCESS);
            assertThat(cString(name)).isEqualTo(e.name());
            CUuuid uuid = new CUuuid();
            assertThat(cuDeviceGetUuid(uuid, dev)).isEqualTo(SUCCESS);
            assertThat(uuid.bytes).containsExactly(hex(e.uuidHex()));
            String[] bus = new String[1];
            assertThat(cuDeviceGetPCIBusId(bus, 64, dev)).isEqualTo(SUCCESS);
            assertThat(bus[0]).isEqualTo(e.pciBusId());
            long[] total = new long[1];
            assertThat(cuDeviceTotalMem(total, dev)).isEqualTo(SUCCESS);
            assertThat(total[0]).isEqualTo(e.total());

            Map<Integer, Integer> attributes = Map.ofEntries(
                    Map.entry(1, 1024), Map.entry(13, e.smClockKhz()), Map.entry(16, e.sms()),
                    Map.entry(32, e.ecc()), Map.entry(33, e.pciBus()), Map.entry(34, e.pciDevice()),
                    Map.entry(50, e.pciDomain()), Map.entry(36, e.memClockKhz()), Map.entry(37, e.busWidth()),
                    Map.entry(38, e.l2()), Map.entry(39, 2048), Map.entry(75, e.ccMajor()),
                    Map.entry(76, e.ccMinor()));
            for (Map.Entry<Integer, Integer> a : attributes.entrySet()) {
                int[] value = {-1};
                assertThat(cuDeviceGetAttribute(value, a.getKey(), dev)).as("attribute %d", a.getKey())
                        .isEqualTo(SUCCESS);
                assertThat(value[0]).as("device %d attribute %d", i, a.getKey()).isEqualTo(a.getValue());
            }
            assertThat(cuDeviceGetAttribute(new int[1], 2, dev)).as("unsupported attribute").isEqualTo(INVALID_VALUE);
        }

        String[] text = new String[1];
        assertThat(cuGetErrorName(OUT_OF_MEMORY, text)).isEqualTo(SUCCESS);
        assertThat(text[0]).isEqualTo("CUDA_ERROR_OUT_OF_MEMORY");
        assertThat(cuGetErrorName(UNSUPPORTED_PTX_VERSION, text)).isEqualTo(SUCCESS);
        assertThat(text[0]).isEqualTo("CUDA_ERROR_UNSUPPORTED_PTX_VERSION");
        assertThat(cuGetErrorString(NO_DEVICE, text)).isEqualTo(SUCCESS);
        assertThat(text[0]).isEqualTo("no CUDA-capable device is detected");
        assertThat(cuGetErrorName(123456, new String[1])).isEqualTo(INVALID_VALUE);
        assertThat(FakeDriver.cudaCalls("cuDeviceGetAttribute")).isEqualTo(2 * 14);
        assertThatThrownBy(() -> FakeDriver.cudaCalls("cuNoSuchFunction"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cuNoSuchFunction");
    }

    @Test
    void contextsMemoryCopiesStreamsAndEvents() throws Exception {
        assertThat(cuInit(0)).isEqualTo(SUCCESS);
        CUdevice dev = device(0);
        assertThat(cuMemGetInfo(new long[1], new long[1])).as("no context").isEqualTo(INVALID_CONTEXT);

        CUcontext ctx = new CUcontext();
        assertThat(cuDevicePrimaryCtxRetain(ctx, dev)).isEqualTo(SUCCESS);
        CUcontext again = new CUcontext();
        assertThat(cuDevicePrimaryCtxRetain(again, dev)).isEqualTo(SUCCESS);
        assertThat(again).isEqualTo(ctx);
        assertThat(FakeDriver.liveContexts()).isEqualTo(1);
        assertThat(cuDevicePrimaryCtxRelease(dev)).isEqualTo(SUCCESS);
        assertThat(FakeDriver.liveContexts()).isEqualTo(1);
        assertThat(cuCtxPushCurrent(ctx)).isEqualTo(SUCCESS);
        CUcontext current = new CUcontext();
        assertThat(cuCtxGetCurrent(current)).isEqualTo(SUCCESS);
        assertThat(current).isEqualTo(ctx);

        long[] free = new long[1];
        long[] total = new long[1];
        assertThat(cuMemGetInfo(free, total)).isEqualTo(SUCCESS);
        assertThat(total[0]).isEqualTo(4 * GIB);
        assertThat(free[0]).isEqualTo(3 * GIB - CONTEXT_BYTES);

        // The context stack is per thread.
        AtomicInteger other = new AtomicInteger(-1);
        Thread t = new Thread(() -> other.set(cuMemGetInfo(new long[1], new long[1])));
        t.start();
        t.join();
        assertThat(other.get()).as("another thread has no current context").isEqualTo(INVALID_CONTEXT);

        // Allocation, out of memory, synchronous copies.
        int size = (int) MIB;
        CUdeviceptr a = new CUdeviceptr();
        assertThat(cuMemAlloc(a, size)).isEqualTo(SUCCESS);
        assertThat(FakeDriver.liveAllocations()).isEqualTo(1);
        assertThat(cuMemGetInfo(free, total)).isEqualTo(SUCCESS);
        assertThat(free[0]).isEqualTo(3 * GIB - CONTEXT_BYTES - MIB);
        assertThat(cuMemAlloc(new CUdeviceptr(), free[0] + 1)).isEqualTo(OUT_OF_MEMORY);
        assertThat(cuMemAlloc(new CUdeviceptr(), 0)).isEqualTo(INVALID_VALUE);
        byte[] pattern = new byte[size];
        new Random(42).nextBytes(pattern);
        assertThat(cuMemcpyHtoD(a, jcuda.Pointer.to(pattern), size)).isEqualTo(SUCCESS);
        CUdeviceptr b = new CUdeviceptr();
        assertThat(cuMemAlloc(b, size)).isEqualTo(SUCCESS);
        assertThat(cuMemcpyDtoD(b, a, size)).isEqualTo(SUCCESS);
        byte[] back = new byte[size];
        assertThat(cuMemcpyDtoH(jcuda.Pointer.to(back), b, size)).isEqualTo(SUCCESS);
        assertThat(back).isEqualTo(pattern);
        assertThat(cuMemcpyDtoH(jcuda.Pointer.to(back), a.withByteOffset(1), size))
                .as("past the end of the allocation").isEqualTo(INVALID_VALUE);

        // Pinned host memory, a stream, asynchronous copies, events.
        jcuda.Pointer hostIn = new jcuda.Pointer();
        jcuda.Pointer hostOut = new jcuda.Pointer();
        assertThat(cuMemHostAlloc(hostIn, size, 0)).isEqualTo(SUCCESS);
        assertThat(cuMemHostAlloc(hostOut, size, 0)).isEqualTo(SUCCESS);
        assertThat(FakeDriver.livePinned()).isEqualTo(2);
        ByteBuffer in = hostIn.getByteBuffer(0, size);
        ByteBuffer out = hostOut.getByteBuffer(0, size);
        assertThat(in).as("JCuda maps pinned memory into a ByteBuffer").isNotNull();
        byte[] pattern2 = new byte[size];
        new Random(7).nextBytes(pattern2);
        in.put(pattern2);
        CUstream stream = new CUstream();
        assertThat(cuStreamCreate(stream, 0)).isEqualTo(SUCCESS);
        CUevent start = new CUevent();
        CUevent stop = new CUevent();
        assertThat(cuEventCreate(start, 0)).isEqualTo(SUCCESS);
        assertThat(cuEventCreate(stop, 0)).isEqualTo(SUCCESS);
        assertThat(cuEventRecord(start, stream)).isEqualTo(SUCCESS);
        assertThat(cuMemcpyHtoDAsync(a, hostIn, size, stream)).isEqualTo(SUCCESS);
        assertThat(cuMemcpyDtoDAsync(b, a, size, stream)).isEqualTo(SUCCESS);
        assertThat(cuMemcpyDtoHAsync(hostOut, b, size, stream)).isEqualTo(SUCCESS);
        assertThat(cuEventRecord(stop, stream)).isEqualTo(SUCCESS);
        assertThat(cuStreamSynchronize(stream)).isEqualTo(SUCCESS);
        assertThat(cuEventSynchronize(stop)).isEqualTo(SUCCESS);
        byte[] got = new byte[size];
        out.get(got);
        assertThat(got).isEqualTo(pattern2);
        float[] ms = {-1};
        assertThat(cuEventElapsedTime(ms, start, stop)).isEqualTo(SUCCESS);
        assertThat(ms[0]).isGreaterThanOrEqualTo(0f);
        assertThat(FakeDriver.liveStreams()).isEqualTo(1);
        assertThat(FakeDriver.liveEvents()).isEqualTo(2);
        assertThat(cuCtxSynchronize()).isEqualTo(SUCCESS);

        assertThat(cuEventDestroy(start)).isEqualTo(SUCCESS);
        assertThat(cuEventDestroy(stop)).isEqualTo(SUCCESS);
        assertThat(cuStreamDestroy(stream)).isEqualTo(SUCCESS);
        assertThat(cuMemFreeHost(hostIn)).isEqualTo(SUCCESS);
        assertThat(cuMemFreeHost(hostOut)).isEqualTo(SUCCESS);
        assertThat(cuMemFree(a)).isEqualTo(SUCCESS);
        assertThat(cuMemFree(b)).isEqualTo(SUCCESS);
        assertThat(cuMemFree(b)).as("double free").isEqualTo(INVALID_VALUE);
        CUcontext popped = new CUcontext();
        assertThat(cuCtxPopCurrent(popped)).isEqualTo(SUCCESS);
        assertThat(popped).isEqualTo(ctx);
        assertThat(cuCtxPopCurrent(new CUcontext())).as("empty stack").isEqualTo(INVALID_CONTEXT);
        assertThat(cuDevicePrimaryCtxRelease(dev)).isEqualTo(SUCCESS);
        assertThat(cuDevicePrimaryCtxRelease(dev)).as("one release too many").isEqualTo(INVALID_CONTEXT);
        assertThat(cuCtxPushCurrent(ctx)).as("a released context").isEqualTo(INVALID_CONTEXT);
    }

    @Test
    void readStreamKernelFoldsExactly() {
        assertThat(cuInit(0)).isEqualTo(SUCCESS);
        CUdevice dev = device(1);
        CUcontext ctx = new CUcontext();
        assertThat(cuDevicePrimaryCtxRetain(ctx, dev)).isEqualTo(SUCCESS);
        assertThat(cuCtxSetCurrent(ctx)).isEqualTo(SUCCESS);

        CUmodule bad = new CUmodule();
        assertThat(cuModuleLoadDataEx(bad, ".version 8.0\n.entry other()\n{ret;}\n", 0, new int[0], null))
                .isEqualTo(INVALID_IMAGE);
        assertThat(cuModuleLoadDataEx(bad, PTX.replace(".version 8.0", ".version 8.8"), 0, new int[0], null))
                .as("PTX newer than driver 12.6 allows").isEqualTo(UNSUPPORTED_PTX_VERSION);
        assertThat(cuModuleLoadDataEx(bad, PTX.replace("sm_52", "sm_90"), 0, new int[0], null))
                .as("sm_90 on a compute capability 8.0 device").isEqualTo(INVALID_PTX);
        // The error log reaches JCuda's JITOptions.
        JITOptions jit = new JITOptions();
        jit.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, 1024);
        jit.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[1024]);
        byte[] sm90 = (PTX.replace("sm_52", "sm_90") + "\0").getBytes(StandardCharsets.US_ASCII);
        assertThat(cuModuleLoadDataJIT(bad, jcuda.Pointer.to(sm90), jit)).isEqualTo(INVALID_PTX);
        assertThat(jit.getString(CUjit_option.CU_JIT_ERROR_LOG_BUFFER)).contains(".target (sm_90)");
        assertThat(FakeDriver.liveModules()).isZero();

        CUmodule module = new CUmodule();
        assertThat(cuModuleLoadDataEx(module, PTX, 0, new int[0], null)).isEqualTo(SUCCESS);
        assertThat(FakeDriver.liveModules()).isEqualTo(1);
        assertThat(cuModuleGetFunction(new CUfunction(), module, "write_stream")).isEqualTo(NOT_FOUND);
        CUfunction f = new CUfunction();
        assertThat(cuModuleGetFunction(f, module, "read_stream")).isEqualTo(SUCCESS);

        // n > T (several vectors per thread, uneven) and n < T (idle threads write 0).
        for (int[] shape : new int[][] {{1000, 3, 64}, {100, 2, 96}}) {
            int n = shape[0];
            int threads = shape[1] * shape[2];
            int[] words = new Random(n).ints(4L * n).toArray();
            CUdeviceptr in = new CUdeviceptr();
            CUdeviceptr out = new CUdeviceptr();
            assertThat(cuMemAlloc(in, 16L * n)).isEqualTo(SUCCESS);
            assertThat(cuMemAlloc(out, 4L * threads)).isEqualTo(SUCCESS);
            assertThat(cuMemcpyHtoD(in, jcuda.Pointer.to(words), 16L * n)).isEqualTo(SUCCESS);
            jcuda.Pointer params = jcuda.Pointer.to(jcuda.Pointer.to(in), jcuda.Pointer.to(out),
                    jcuda.Pointer.to(new long[] {n}));
            assertThat(cuLaunchKernel(f, shape[1], 1, 1, shape[2], 1, 1, 0, null, params, null)).isEqualTo(SUCCESS);
            assertThat(cuCtxSynchronize()).isEqualTo(SUCCESS);
            int[] result = new int[threads];
            assertThat(cuMemcpyDtoH(jcuda.Pointer.to(result), out, 4L * threads)).isEqualTo(SUCCESS);
            int[] expected = new int[threads];
            for (int t = 0; t < threads; t++) {
                int acc = 0;
                for (int i = t; i < n; i += threads) {
                    acc ^= words[4 * i] ^ words[4 * i + 1] ^ words[4 * i + 2] ^ words[4 * i + 3];
                }
                expected[t] = acc;
            }
            assertThat(result).isEqualTo(expected);
            // A grid larger than the output buffer reads/writes out of bounds.
            assertThat(cuLaunchKernel(f, shape[1] + 1, 1, 1, shape[2], 1, 1, 0, null, params, null))
                    .isEqualTo(ILLEGAL_ADDRESS);
            assertThat(cuLaunchKernel(f, 1, 1, 1, 2048, 1, 1, 0, null, params, null))
                    .as("block too large").isEqualTo(INVALID_VALUE);
            assertThat(cuMemFree(in)).isEqualTo(SUCCESS);
            assertThat(cuMemFree(out)).isEqualTo(SUCCESS);
        }
        assertThat(FakeDriver.cudaCalls("cuLaunchKernel")).isEqualTo(6);

        assertThat(cuModuleUnload(module)).isEqualTo(SUCCESS);
        assertThat(cuCtxSetCurrent(new CUcontext())).as("NULL pops").isEqualTo(SUCCESS);
        assertThat(cuDevicePrimaryCtxRelease(dev)).isEqualTo(SUCCESS);
    }

    @Test
    void injectedFaultFiresOnceThenCallsSucceed() {
        assertThat(cuInit(0)).isEqualTo(SUCCESS);
        CUdevice dev = device(0);
        CUcontext ctx = new CUcontext();
        assertThat(cuDevicePrimaryCtxRetain(ctx, dev)).isEqualTo(SUCCESS);
        assertThat(cuCtxPushCurrent(ctx)).isEqualTo(SUCCESS);
        FakeDriver.injectCuda("cuMemAlloc_v2", 1, OUT_OF_MEMORY, -1, false);
        CUdeviceptr p = new CUdeviceptr();
        assertThat(cuMemAlloc(p, 4096)).isEqualTo(OUT_OF_MEMORY);
        assertThat(FakeDriver.liveAllocations()).isZero();
        assertThat(cuMemAlloc(p, 4096)).isEqualTo(SUCCESS);
        assertThat(FakeDriver.cudaCalls("cuMemAlloc_v2")).isEqualTo(2);
        // The 2nd call from now, on device 0 only.
        FakeDriver.injectCuda("cuMemGetInfo_v2", 2, UNKNOWN, 0, false);
        assertThat(cuMemGetInfo(new long[1], new long[1])).isEqualTo(SUCCESS);
        assertThat(cuMemGetInfo(new long[1], new long[1])).isEqualTo(UNKNOWN);
        assertThat(cuMemGetInfo(new long[1], new long[1])).isEqualTo(SUCCESS);
        assertThat(cuMemFree(p)).isEqualTo(SUCCESS);
        assertThat(cuCtxPopCurrent(new CUcontext())).isEqualTo(SUCCESS);
        assertThat(cuDevicePrimaryCtxRelease(dev)).isEqualTo(SUCCESS);
        assertThatThrownBy(() -> FakeDriver.injectCuda("cuMemAlloc", 1, 2, -1, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown cuda function 'cuMemAlloc'");
    }

    @Test
    void stickyFaultLosesOnlyThatDevice() {
        assertThat(cuInit(0)).isEqualTo(SUCCESS);
        CUdevice dev0 = device(0);
        CUdevice dev1 = device(1);
        CUcontext ctx1 = new CUcontext();
        assertThat(cuDevicePrimaryCtxRetain(ctx1, dev1)).isEqualTo(SUCCESS);
        assertThat(cuCtxPushCurrent(ctx1)).isEqualTo(SUCCESS);
        CUdeviceptr p = new CUdeviceptr();
        assertThat(cuMemAlloc(p, 4096)).isEqualTo(SUCCESS);

        FakeDriver.injectCuda("cuMemcpyHtoD_v2", 1, ILLEGAL_ADDRESS, 1, true);
        assertThat(cuMemcpyHtoD(p, jcuda.Pointer.to(new byte[16]), 16)).isEqualTo(ILLEGAL_ADDRESS);
        assertThat(cuMemGetInfo(new long[1], new long[1])).isEqualTo(ILLEGAL_ADDRESS);
        assertThat(cuDeviceTotalMem(new long[1], dev1)).isEqualTo(ILLEGAL_ADDRESS);
        assertThat(cuDeviceGetName(new byte[64], 64, dev1)).isEqualTo(ILLEGAL_ADDRESS);
        // Device 0 and device-less calls carry on.
        assertThat(cuDeviceTotalMem(new long[1], dev0)).isEqualTo(SUCCESS);
        assertThat(cuDeviceGetCount(new int[1])).isEqualTo(SUCCESS);
        CUcontext ctx0 = new CUcontext();
        assertThat(cuDevicePrimaryCtxRetain(ctx0, dev0)).isEqualTo(SUCCESS);
        assertThat(cuCtxPushCurrent(ctx0)).isEqualTo(SUCCESS);
        long[] free = new long[1];
        assertThat(cuMemGetInfo(free, new long[1])).isEqualTo(SUCCESS);
        assertThat(cuCtxPopCurrent(new CUcontext())).isEqualTo(SUCCESS);
        assertThat(cuDevicePrimaryCtxRelease(dev0)).isEqualTo(SUCCESS);

        // Releasing on the lost device reports the error but still releases.
        assertThat(cuMemFree(p)).isEqualTo(ILLEGAL_ADDRESS);
        assertThat(FakeDriver.liveAllocations()).isZero();
        assertThat(cuCtxPopCurrent(new CUcontext())).isEqualTo(ILLEGAL_ADDRESS);
        assertThat(cuDevicePrimaryCtxRelease(dev1)).isEqualTo(ILLEGAL_ADDRESS);
        assertThat(FakeDriver.liveContexts()).isZero();
    }

    @Test
    void nvmlThroughJna() {
        assertThat(NativeLibrary.getInstance(FakeDriver.NVML_LIBRARY).getFile().toPath().toAbsolutePath())
                .isEqualTo(FakeDriver.libraryDirectory().resolve(FakeDriver.NVML_LIBRARY).toAbsolutePath());
        Nvml nvml = Native.load(FakeDriver.NVML_LIBRARY, Nvml.class);
        IntByReference count = new IntByReference(-1);
        assertThat(nvml.nvmlDeviceGetCount_v2(count)).as("before nvmlInit").isEqualTo(1);
        assertThat(nvml.nvmlErrorString(3)).isEqualTo("Not Supported");
        assertThat(nvml.nvmlErrorString(13)).isEqualTo("Function Not Found");
        assertThat(nvml.nvmlErrorString(999)).isEqualTo("Unknown Error");
        assertThat(nvml.nvmlInit_v2()).isEqualTo(0);
        assertThat(FakeDriver.nvmlLiveInits()).isEqualTo(1);
        byte[] version = new byte[80];
        assertThat(nvml.nvmlSystemGetDriverVersion(version, version.length)).isEqualTo(0);
        assertThat(cString(version)).isEqualTo("580.65.06");
        assertThat(nvml.nvmlSystemGetDriverVersion(new byte[4], 4)).isEqualTo(7);
        assertThat(nvml.nvmlDeviceGetCount_v2(count)).isEqualTo(0);
        assertThat(count.getValue()).isEqualTo(2);

        for (int i = 0; i < 2; i++) {
            Expected e = DEVICES.get(i);
            Pointer dev = handle(nvml, i);
            byte[] name = new byte[96];
            assertThat(nvml.nvmlDeviceGetName(dev, name, name.length)).isEqualTo(0);
            assertThat(cString(name)).isEqualTo(e.name());
            byte[] uuid = new byte[96];
            assertThat(nvml.nvmlDeviceGetUUID(dev, uuid, uuid.length)).isEqualTo(0);
            assertThat(cString(uuid).replace("GPU-", "").replace("-", "")).isEqualTo(e.uuidHex());

            Memory pci = new Memory(68);
            assertThat(nvml.nvmlDeviceGetPciInfo_v3(dev, pci)).isEqualTo(0);
            assertThat(pci.getString(0)).isEqualTo(e.pciBusId());
            assertThat(pci.getInt(16)).isEqualTo(e.pciDomain());
            assertThat(pci.getInt(20)).isEqualTo(e.pciBus());
            assertThat(pci.getInt(24)).isEqualTo(e.pciDevice());
            assertThat(pci.getInt(28)).isEqualTo(e.pciDeviceId());
            assertThat(pci.getString(36)).isEqualTo("0000" + e.pciBusId());

            Memory v1 = new Memory(24);
            assertThat(nvml.nvmlDeviceGetMemoryInfo(dev, v1)).isEqualTo(0);
            assertThat(v1.getLong(0)).isEqualTo(e.total());
            assertThat(v1.getLong(8)).isEqualTo(e.free());
            assertThat(v1.getLong(16)).isEqualTo(e.total() - e.free());

            Memory v2 = new Memory(40);
            v2.clear();
            assertThat(nvml.nvmlDeviceGetMemoryInfo_v2(dev, v2)).as("version not set").isEqualTo(25);
            v2.setInt(0, 40 | (2 << 24));
            assertThat(nvml.nvmlDeviceGetMemoryInfo_v2(dev, v2)).isEqualTo(0);
            long total = v2.getLong(8);
            long reserved = v2.getLong(16);
            long free = v2.getLong(24);
            long used = v2.getLong(32);
            assertThat(total).isEqualTo(e.total());
            assertThat(reserved).isEqualTo(e.reserved());
            assertThat(free).isEqualTo(e.free());
            assertThat(reserved + used + free).isEqualTo(total);

            IntByReference processes = new IntByReference(0);
            if (e.processes() == 0) {
                assertThat(nvml.nvmlDeviceGetComputeRunningProcesses_v3(dev, processes, null)).isEqualTo(0);
                assertThat(processes.getValue()).isZero();
            } else {
                assertThat(nvml.nvmlDeviceGetComputeRunningProcesses_v3(dev, processes, null)).isEqualTo(7);
                assertThat(processes.getValue()).isEqualTo(e.processes());
                Memory infos = new Memory(24L * processes.getValue());
                assertThat(nvml.nvmlDeviceGetComputeRunningProcesses_v3(dev, processes, infos)).isEqualTo(0);
                assertThat(processes.getValue()).isEqualTo(e.processes());
                assertThat(infos.getInt(0)).isNotZero();
            }
        }

        FakeDriver.injectNvml("nvmlDeviceGetMemoryInfo_v2", 1, 15, 1, true);
        Memory v2 = new Memory(40);
        v2.setInt(0, 40 | (2 << 24));
        assertThat(nvml.nvmlDeviceGetMemoryInfo_v2(handle(nvml, 1), v2)).isEqualTo(15);
        assertThat(nvml.nvmlDeviceGetName(handle(nvml, 0), new byte[96], 96)).isEqualTo(0);
        assertThat(nvml.nvmlDeviceGetMemoryInfo(handle(nvml, 0), new Memory(24))).isEqualTo(0);
        PointerByReference lost = new PointerByReference();
        assertThat(nvml.nvmlDeviceGetHandleByIndex_v2(1, lost)).as("device 1 is lost").isEqualTo(15);
        assertThat(FakeDriver.nvmlCalls("nvmlDeviceGetMemoryInfo_v2")).isEqualTo(5);

        assertThat(nvml.nvmlShutdown()).isEqualTo(0);
        assertThat(nvml.nvmlShutdown()).as("more shutdowns than inits").isEqualTo(1);
    }

    @Test
    void nvmlOldDriverAndBrokenIdentity() {
        FakeDriver.configure(FakeDriver.twoGpuConfig()
                + "device name=old nvml_v2=0\n"
                + "device name=broken total=8GiB free=4GiB reserved=1GiB broken_identity=1\n"
                + "device name=drifting total=8GiB free=4GiB reserved=1GiB nvml_memory_drift_bytes=-3MiB\n");
        Nvml nvml = Native.load(FakeDriver.NVML_LIBRARY, Nvml.class);
        assertThat(nvml.nvmlInit_v2()).isEqualTo(0);
        Memory v2 = new Memory(40);
        v2.setInt(0, 40 | (2 << 24));
        assertThat(nvml.nvmlDeviceGetMemoryInfo_v2(handle(nvml, 2), v2)).isEqualTo(13);
        assertThat(nvml.nvmlDeviceGetMemoryInfo(handle(nvml, 2), new Memory(24))).isEqualTo(0);
        assertThat(nvml.nvmlDeviceGetMemoryInfo_v2(handle(nvml, 3), v2)).isEqualTo(0);
        assertThat(v2.getLong(16) + v2.getLong(24) + v2.getLong(32) - v2.getLong(8)).isEqualTo(MIB);
        // A drift of -3 MiB: used is 3 MiB smaller, the other parts as configured.
        assertThat(nvml.nvmlDeviceGetMemoryInfo_v2(handle(nvml, 4), v2)).isEqualTo(0);
        assertThat(v2.getLong(8)).isEqualTo(8 * GIB);
        assertThat(v2.getLong(16)).isEqualTo(GIB);
        assertThat(v2.getLong(24)).isEqualTo(4 * GIB);
        assertThat(v2.getLong(32)).isEqualTo(3 * GIB - 3 * MIB);
        assertThat(nvml.nvmlShutdown()).isEqualTo(0);
        assertThatThrownBy(() -> FakeDriver.configure("device nvml_memory_drift_bytes=--1\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nvml_memory_drift_bytes");
    }

    @Test
    void configurationErrorsAndNoDevices() {
        assertThatThrownBy(() -> FakeDriver.configure("device name=x colour=red\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1")
                .hasMessageContaining("colour");
        assertThatThrownBy(() -> FakeDriver.configure("# ok\ndevice total=1GiB free=2GiB\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 2");
        assertThatThrownBy(() -> FakeDriver.configure("device process_list=12:1GiB:compute,13:1GiB:video\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1")
                .hasMessageContaining("bad process_list entry '13:1GiB:video'");
        assertThatThrownBy(() -> FakeDriver.configure("device nvml_processes_version=4\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nvml_processes_version");
        assertThatThrownBy(() -> FakeDriver.configure("fault cuda cuMemAloc_v2 1 2\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cuMemAloc_v2");
        FakeDriver.configure("");
        assertThat(cuInit(0)).isEqualTo(NO_DEVICE);
        assertThat(cuDeviceGetCount(new int[1])).isEqualTo(NOT_INITIALIZED);
        // A fault from the configuration text.
        FakeDriver.configure(FakeDriver.twoGpuConfig() + "fault cuda cuInit 1 999\n");
        assertThat(cuInit(0)).isEqualTo(UNKNOWN);
        assertThat(cuInit(0)).isEqualTo(SUCCESS);
    }

    @Test
    void childProcessFindsTheFakesThroughItsEnvironment(@TempDir Path tmp) throws Exception {
        Path dir = FakeDriver.build();
        Path source = tmp.resolve("child.c");
        Files.writeString(source, String.join("\n",
                "#include <stdio.h>",
                "int cuInit(unsigned); int cuDeviceGetCount(int *); int cuDeviceGetName(char *, int, int);",
                "int nvmlInit_v2(void); int nvmlDeviceGetCount_v2(unsigned *);",
                "int main(void) {",
                "    int n = -1; unsigned m = 0; char name[64] = \"\";",
                "    int r = cuInit(0); cuDeviceGetCount(&n); cuDeviceGetName(name, 64, 1);",
                "    int r2 = nvmlInit_v2(); nvmlDeviceGetCount_v2(&m);",
                "    printf(\"%d %d %s|%d %u\\n\", r, n, name, r2, m);",
                "    return 0;",
                "}",
                ""));
        Path exe = tmp.resolve("child");
        assertThat(run(List.of("gcc", "-o", exe.toString(), source.toString(), "-L" + dir, "-l:libcuda.so.1",
                "-l:libnvidia-ml.so.1"), Map.of(), null)).startsWith("exit 0");

        Path config = tmp.resolve("gpus.conf");
        Files.writeString(config, FakeDriver.twoGpuConfig());
        Map<String, String> env = FakeDriver.processEnvironment(config);
        assertThat(env.get("LD_LIBRARY_PATH")).startsWith(dir.toAbsolutePath().toString());
        assertThat(env).containsEntry(FakeDriver.CONFIG_ENV, config.toAbsolutePath().toString());
        assertThat(run(List.of(exe.toString()), env, null))
                .isEqualTo("exit 0: 0 2 NVIDIA A100-SXM4-40GB|0 2\n");

        Map<String, String> noConfig = Map.of("LD_LIBRARY_PATH", env.get("LD_LIBRARY_PATH"));
        assertThat(run(List.of(exe.toString()), noConfig, FakeDriver.CONFIG_ENV)).isEqualTo("exit 0: 100 -1 |0 0\n");

        Path broken = tmp.resolve("broken.conf");
        Files.writeString(broken, "device sms=many\n");
        String out = run(List.of(exe.toString()), FakeDriver.processEnvironment(broken), null);
        assertThat(out).startsWith("exit 0: ").contains("999 -1 |999 0").contains("fake libcuda.so.1: ").contains("fake libnvidia-ml.so.1: ")
                .contains("config line 1").contains("sms");
    }

    // ---- helpers ----

    private static CUdevice device(int ordinal) {
        CUdevice dev = new CUdevice();
        assertThat(cuDeviceGet(dev, ordinal)).isEqualTo(SUCCESS);
        return dev;
    }

    private static Pointer handle(Nvml nvml, int index) {
        PointerByReference ref = new PointerByReference();
        assertThat(nvml.nvmlDeviceGetHandleByIndex_v2(index, ref)).isEqualTo(0);
        return ref.getValue();
    }

    private static String cString(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    private static byte[] hex(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    /** Runs a command; returns "exit N: " and its output (stdout and stderr together). */
    private static String run(List<String> command, Map<String, String> env, String unset) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        if (unset != null) {
            pb.environment().remove(unset);
        }
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return "exit " + p.exitValue() + ": " + output;
    }
}
