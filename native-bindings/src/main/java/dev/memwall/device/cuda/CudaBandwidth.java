package dev.memwall.device.cuda;

import dev.memwall.device.BandwidthKind;
import dev.memwall.device.Cancellation;
import dev.memwall.device.BandwidthMeasurement;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.BufferPlan;
import dev.memwall.device.DeviceException;
import dev.memwall.device.Sampler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.IntSupplier;
import jcuda.Pointer;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CUDA bandwidth: the read-only streaming kernel (PTX shipped in the jar, compiled by the driver), a
 * device-to-device copy, and host-to-device / device-to-host over pinned memory. Timed with CUDA events on one
 * stream: 3 warm-up passes, then samples until they converge, each of {@link #PASSES_PER_SAMPLE} passes.
 * Everything it creates is freed in {@link #close()}, also after an error, and the primary context it retained
 * is released.
 */
final class CudaBandwidth implements AutoCloseable {

    static final String READ_METHOD = "cuda-read-kernel";
    static final String COPY_METHOD = "cuMemcpyDtoDAsync";
    static final String H2D_METHOD = "cuMemcpyHtoDAsync (pinned)";
    static final String D2H_METHOD = "cuMemcpyDtoHAsync (pinned)";
    static final int WARMUP_PASSES = 3;
    static final int PASSES_PER_SAMPLE = 8;
    /** Buffers are at least this many times the L2 cache where memory allows. */
    static final int L2_MULTIPLE = 8;
    static final int THREADS_PER_BLOCK = 256;
    /** The pinned host buffer: random data for the device buffers, and the host side of host transfers. */
    static final long MAX_HOST_BYTES = 64L << 20;
    private static final int VERIFY_THREADS = 1024;
    private static final byte[] PTX = PtxModule.nulTerminated(loadPtx());
    private static final Logger LOG = LoggerFactory.getLogger(CudaBandwidth.class);

    private final CudaDevice device;
    private final String id;
    private final Deque<Release> releases = new ArrayDeque<>();
    private CUstream stream;

    private CudaBandwidth(CudaDevice device) {
        this.device = device;
        this.id = device.identity().id();
    }

    static BandwidthResult measure(CudaDevice device, BenchmarkSettings settings) throws DeviceException {
        long started = System.nanoTime();
        String id = device.identity().id();
        try (PrimaryContext ignored = PrimaryContext.enter(device.handle(), id)) {
            long[] free = new long[1];
            long[] total = new long[1];
            Cu.check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo", id);
            BenchmarkSettings cuda = settings.withWarmupPasses(WARMUP_PASSES).withCacheMultiple(L2_MULTIPLE);
            BufferPlan plan = BufferPlan.of(total[0], free[0], null, device.identity().globalCacheBytes(), false,
                    cuda);
            List<String> notes = new ArrayList<>(plan.notes());
            long bytes = plan.bufferBytes();
            for (int attempt = 1;; attempt++) {
                try (CudaBandwidth bench = new CudaBandwidth(device)) {
                    return bench.run(bytes, cuda, notes, started);
                } catch (DeviceException e) {
                    if (attempt == 1 && e.code() != null && e.code() == Cu.CUDA_ERROR_OUT_OF_MEMORY
                            && bytes / 2 >= BufferPlan.MIN_BUFFER_BYTES) {
                        LOG.debug("{}: out of memory with {} byte buffers, trying once with half", id, bytes);
                        notes.add("out of memory with " + (bytes >> 20) + " MiB buffers; measured with "
                                + (bytes >> 21) + " MiB");
                        bytes = bytes / 2 / BufferPlan.ALIGN_BYTES * BufferPlan.ALIGN_BYTES;
                        continue;
                    }
                    throw e;
                }
            }
        }
    }

    private BandwidthResult run(long bytes, BenchmarkSettings settings, List<String> notes, long started)
            throws DeviceException {
        stream = new CUstream();
        Cu.check(JCudaDriver.cuStreamCreate(stream, 0), "cuStreamCreate", id);
        CUstream s = stream;
        releases.push(new Release("cuStreamDestroy", () -> JCudaDriver.cuStreamDestroy(s)));
        CUevent begin = event();
        CUevent end = event();

        long hostBytes = Math.min(MAX_HOST_BYTES, bytes);
        Pointer host = pinned(hostBytes);
        ByteBuffer hostView = host.getByteBuffer(0, hostBytes).order(ByteOrder.LITTLE_ENDIAN);
        fillRandom(hostView, settings.seed());

        CUdeviceptr src = alloc(bytes);
        for (long offset = 0; offset < bytes; offset += hostBytes) {
            Cu.check(JCudaDriver.cuMemcpyHtoDAsync(src.withByteOffset(offset), host, Math.min(hostBytes, bytes - offset),
                    stream), "cuMemcpyHtoDAsync", id);
        }
        Cu.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize", id);

        // Read: enough blocks to fill every SM.
        CUmodule module = PtxModule.load(PTX, id);
        releases.push(new Release("cuModuleUnload", () -> JCudaDriver.cuModuleUnload(module)));
        CUfunction kernel = new CUfunction();
        Cu.check(JCudaDriver.cuModuleGetFunction(kernel, module, "read_stream"), "cuModuleGetFunction", id);
        int[] threadsPerSm = new int[1];
        Cu.check(JCudaDriver.cuDeviceGetAttribute(threadsPerSm,
                CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR, device.handle()),
                "cuDeviceGetAttribute(MAX_THREADS_PER_MULTIPROCESSOR)", id);
        int blocks = Math.max(1, device.cudaAttributes().smCount()) * Math.max(1, threadsPerSm[0] / THREADS_PER_BLOCK);
        long threads = (long) blocks * THREADS_PER_BLOCK;
        long vectors = bytes / 16;
        CUdeviceptr out = alloc(threads * 4);
        Pointer params = Pointer.to(Pointer.to(src), Pointer.to(out), Pointer.to(new long[] {vectors}));
        Pass read = () -> Cu.check(JCudaDriver.cuLaunchKernel(kernel, blocks, 1, 1, THREADS_PER_BLOCK, 1, 1, 0, stream,
                params, null), "cuLaunchKernel(read_stream)", id);
        long phase = System.nanoTime();
        Sampler.Samples readSeconds = sample(read, begin, end, settings);
        verifyRead(out, hostView, vectors, threads);
        BandwidthMeasurement readResult = BandwidthMeasurement.ofSamples(BandwidthKind.READ, bytes, bytes, readSeconds,
                seconds(phase), READ_METHOD, notes);

        CUdeviceptr dst = alloc(bytes);
        phase = System.nanoTime();
        Sampler.Samples copySeconds = sample(() -> Cu.check(JCudaDriver.cuMemcpyDtoDAsync(dst, src, bytes, stream),
                "cuMemcpyDtoDAsync", id), begin, end, settings);
        verifyCopy(dst, bytes, hostView, host);
        BandwidthMeasurement copyResult = BandwidthMeasurement.ofSamples(BandwidthKind.COPY, 2 * bytes, bytes,
                copySeconds, seconds(phase), COPY_METHOD, notes);

        phase = System.nanoTime();
        Sampler.Samples h2dSeconds = sample(() -> Cu.check(JCudaDriver.cuMemcpyHtoDAsync(dst, host, hostBytes, stream),
                "cuMemcpyHtoDAsync", id), begin, end, settings);
        BandwidthMeasurement h2d = BandwidthMeasurement.ofSamples(BandwidthKind.HOST_TO_DEVICE, hostBytes, hostBytes,
                h2dSeconds, seconds(phase), H2D_METHOD, List.of());
        phase = System.nanoTime();
        Sampler.Samples d2hSeconds = sample(() -> Cu.check(JCudaDriver.cuMemcpyDtoHAsync(host, src, hostBytes, stream),
                "cuMemcpyDtoHAsync", id), begin, end, settings);
        BandwidthMeasurement d2h = BandwidthMeasurement.ofSamples(BandwidthKind.DEVICE_TO_HOST, hostBytes, hostBytes,
                d2hSeconds, seconds(phase), D2H_METHOD, List.of());
        LOG.debug("{}: read {} B/s, copy {} B/s, host->device {} B/s, device->host {} B/s over {} B buffers", id,
                readResult.bytesPerSecond(), copyResult.bytesPerSecond(), h2d.bytesPerSecond(), d2h.bytesPerSecond(),
                bytes);
        return new BandwidthResult(readResult, copyResult, device.theoreticalBandwidthBytesPerSecond(),
                seconds(started), null, h2d, d2h);
    }

    /** A call that gives back what an earlier call took, and the name it is reported under when it fails. */
    private record Release(String call, IntSupplier action) {
    }

    @FunctionalInterface
    private interface Pass {
        void run() throws DeviceException;
    }

    /**
     * Warm-up passes, then samples of {@link #PASSES_PER_SAMPLE} passes between two events until they converge
     * ({@link Sampler}); seconds per pass.
     */
    private Sampler.Samples sample(Pass pass, CUevent begin, CUevent end, BenchmarkSettings settings)
            throws DeviceException {
        for (int i = 0; i < settings.warmupPasses(); i++) {
            Cancellation.check(id);
            pass.run();
        }
        Cu.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize", id);
        float[] ms = new float[1];
        return Sampler.take(() -> {
            Cu.check(JCudaDriver.cuEventRecord(begin, stream), "cuEventRecord", id);
            for (int p = 0; p < PASSES_PER_SAMPLE; p++) {
                pass.run();
            }
            Cu.check(JCudaDriver.cuEventRecord(end, stream), "cuEventRecord", id);
            Cu.check(JCudaDriver.cuEventSynchronize(end), "cuEventSynchronize", id);
            Cu.check(JCudaDriver.cuEventElapsedTime(ms, begin, end), "cuEventElapsedTime", id);
            if (!(ms[0] > 0)) {
                throw new DeviceException("CUDA events on " + id + " timed a sample at " + ms[0] + " ms");
            }
            return ms[0] / 1000.0 / PASSES_PER_SAMPLE;
        }, settings, id);
    }

    /** Threads 0..1023: each folded vectors t, t + T, ... of the source, whose bytes repeat the host block. */
    private void verifyRead(CUdeviceptr out, ByteBuffer host, long vectors, long threads) throws DeviceException {
        int n = (int) Math.min(VERIFY_THREADS, threads);
        int[] got = new int[n];
        Cu.check(JCudaDriver.cuMemcpyDtoH(Pointer.to(got), out, (long) n * 4), "cuMemcpyDtoH", id);
        long hostVectors = host.capacity() / 16;
        for (int t = 0; t < n; t++) {
            int expected = 0;
            for (long i = t; i < vectors; i += threads) {
                int at = (int) ((i % hostVectors) * 16);
                expected ^= host.getInt(at) ^ host.getInt(at + 4) ^ host.getInt(at + 8) ^ host.getInt(at + 12);
            }
            if (got[t] != expected) {
                throw new DeviceException(String.format(Locale.ROOT,
                        "read kernel on %s returned a wrong value for thread %d: 0x%08x, expected 0x%08x", id, t,
                        got[t], expected));
            }
        }
    }

    /** The copy's last host-block-sized span must equal the host block it came from. */
    private void verifyCopy(CUdeviceptr dst, long bytes, ByteBuffer hostView, Pointer host) throws DeviceException {
        int n = (int) Math.min(64 * 1024, hostView.capacity());
        long offset = bytes - n;
        byte[] got = new byte[n];
        Cu.check(JCudaDriver.cuMemcpyDtoH(Pointer.to(got), dst.withByteOffset(offset), n), "cuMemcpyDtoH", id);
        int hostOffset = (int) (offset % hostView.capacity());
        for (int i = 0; i < n; i++) {
            if (got[i] != hostView.get((hostOffset + i) % hostView.capacity())) {
                throw new DeviceException("copy on " + id + " did not reproduce the source at byte offset "
                        + (offset + i));
            }
        }
    }

    private static void fillRandom(ByteBuffer buffer, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int longs = buffer.capacity() / 8;
        for (int i = 0; i < longs; i++) {
            buffer.putLong(i * 8, random.nextLong());
        }
    }

    private CUevent event() throws DeviceException {
        CUevent e = new CUevent();
        Cu.check(JCudaDriver.cuEventCreate(e, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate", id);
        releases.push(new Release("cuEventDestroy", () -> JCudaDriver.cuEventDestroy(e)));
        return e;
    }

    private CUdeviceptr alloc(long bytes) throws DeviceException {
        CUdeviceptr p = new CUdeviceptr();
        Cu.check(JCudaDriver.cuMemAlloc(p, bytes), "cuMemAlloc(" + bytes + " bytes)", id);
        releases.push(new Release("cuMemFree", () -> JCudaDriver.cuMemFree(p)));
        return p;
    }

    private Pointer pinned(long bytes) throws DeviceException {
        Pointer p = new Pointer();
        Cu.check(JCudaDriver.cuMemHostAlloc(p, bytes, 0), "cuMemHostAlloc(" + bytes + " bytes)", id);
        releases.push(new Release("cuMemFreeHost", () -> JCudaDriver.cuMemFreeHost(p)));
        return p;
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    /**
     * Releases everything in reverse order of creation. Each release is attempted whatever the others returned;
     * a failed one is logged and counted in {@link CudaReleases}.
     */
    @Override
    public void close() {
        if (stream != null) {
            int rc = JCudaDriver.cuStreamSynchronize(stream);
            if (rc != Cu.CUDA_SUCCESS) {
                LOG.warn("{}: cuStreamSynchronize before releasing failed: {} ({}); releasing anyway", id,
                        Cu.name(rc), rc);
            }
        }
        while (!releases.isEmpty()) {
            Release r = releases.pop();
            try {
                CudaReleases.check(r.action().getAsInt(), r.call(), id);
            } catch (RuntimeException e) {
                CudaReleases.threw(r.call(), id, e);
            }
        }
    }

    private static String loadPtx() {
        try (InputStream in = CudaBandwidth.class.getResourceAsStream("read_stream.ptx")) {
            if (in == null) {
                throw new IllegalStateException("read_stream.ptx is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
