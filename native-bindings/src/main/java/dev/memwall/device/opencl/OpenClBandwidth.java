package dev.memwall.device.opencl;

import dev.memwall.device.BandwidthKind;
import dev.memwall.device.BandwidthMeasurement;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.BufferPlan;
import dev.memwall.device.DeviceException;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceType;
import dev.memwall.device.Sampler;
import dev.memwall.device.host.HostCaches;
import dev.memwall.device.host.HostPages;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenCL bandwidth microbenchmarks: a read-only streaming kernel and a device-to-device copy, timed with
 * profiling events after warm-up, over buffers filled with pseudo-random words on the device. Everything it
 * creates is released in {@link #close()}, also when a call fails half-way.
 */
final class OpenClBandwidth implements AutoCloseable {

    static final String READ_METHOD = "opencl-read-kernel";
    static final String COPY_METHOD = "clEnqueueCopyBuffer";

    private static final Logger LOG = LoggerFactory.getLogger(OpenClBandwidth.class);
    private static final String SOURCE = loadSource();
    /** Builds tried before a failure is reported; see {@link #build}. */
    private static final int BUILD_ATTEMPTS = 3;
    /** Bytes compared at each end of the copy to prove it moved the data. */
    private static final int VERIFY_BYTES = 64 * 1024;

    /**
     * Overrides the read kernel's shape as {@code LANES,FETCH,LOCAL} (e.g. {@code 16,8,64}); for tuning on new
     * devices with bench/read-kernel-shapes.sh, not for everyday use.
     */
    static final String SHAPE_PROPERTY = "memwall.opencl.readShape";

    /** How the read kernel walks memory: words per vector, vectors per work-item, work-group size. */
    record Shape(int lanes, int fetch, int localSize) {
        Shape {
            if (lanes != 4 && lanes != 8 && lanes != 16) {
                throw new IllegalArgumentException("lanes must be 4, 8 or 16, was " + lanes);
            }
            if (Integer.bitCount(fetch) != 1 || Integer.bitCount(localSize) != 1) {
                throw new IllegalArgumentException("fetch and local size must be powers of two, were " + fetch
                        + " and " + localSize);
            }
            if (BufferPlan.ALIGN_BYTES % ((long) lanes * 4 * fetch * localSize) != 0) {
                throw new IllegalArgumentException("a work-group's block must divide "
                        + BufferPlan.ALIGN_BYTES + " bytes");
            }
        }

        long bytesPerGroup() {
            return (long) lanes * 4 * fetch * localSize;
        }

        /** {@code LANES,FETCH,LOCAL}, or null for null. */
        static Shape parse(String text) {
            if (text == null || text.isBlank()) {
                return null;
            }
            String[] p = text.split(",");
            if (p.length != 3) {
                throw new IllegalArgumentException(SHAPE_PROPERTY + " must be LANES,FETCH,LOCAL, was '" + text + "'");
            }
            return new Shape(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()),
                    Integer.parseInt(p[2].trim()));
        }
    }

    private final cl_device_id device;
    private final String deviceId;
    private final Deque<Runnable> releases = new ArrayDeque<>();
    private cl_context context;
    private cl_command_queue queue;

    private OpenClBandwidth(cl_device_id device, String deviceId) {
        this.device = device;
        this.deviceId = deviceId;
    }

    static BandwidthResult measure(cl_device_id device, DeviceIdentity identity, Long freeBytes,
            BenchmarkSettings settings) throws DeviceException {
        long started = System.nanoTime();
        boolean hostMemory = identity.type() == DeviceType.CPU;
        Long cache = identity.globalCacheBytes();
        if (hostMemory) {
            // A CPU device's cache is the host's: the driver may report less than the last level (or nothing).
            Long host = HostCaches.lastLevelBytes();
            cache = host != null && (cache == null || host > cache) ? host : cache;
        }
        BufferPlan plan = BufferPlan.of(identity.totalBytes(), freeBytes, identity.maxAllocationBytes(), cache,
                hostMemory, settings);
        LOG.debug("{}: benchmark buffer of {} bytes ({}), {} warm-up pass(es), {} to {} samples", identity.id(),
                plan.bufferBytes(), plan.limitReason(), settings.warmupPasses(), settings.minSamples(),
                settings.maxSamples());
        try (OpenClBandwidth bench = new OpenClBandwidth(device, identity.id())) {
            return bench.run(plan, hostMemory, shapeFor(identity.type()), settings, started);
        }
    }

    /**
     * CPUs: one 64-byte cache line per load, 8 per work-item, 64 work-items per group (PoCL vectorises across
     * the group; this shape read fastest of those tried, see docs/BENCHMARKS.md). GPUs: 16-byte loads,
     * 16 per work-item, 256 work-items per group, the shape clpeak and BabelStream use.
     */
    static Shape shapeFor(DeviceType type) {
        Shape forced = Shape.parse(System.getProperty(SHAPE_PROPERTY));
        if (forced != null) {
            return forced;
        }
        return type == DeviceType.CPU ? new Shape(16, 8, 64) : new Shape(4, 16, 256);
    }

    /**
     * One buffer serves both figures: filled once, read whole for READ, then copied from its first half to its
     * second for COPY (bytes read + written per pass = the buffer). On a CPU device the buffer is host memory
     * mapped with huge pages where the kernel gives them, so the fill costs few page faults.
     */
    private BandwidthResult run(BufferPlan plan, boolean hostMemory, Shape wanted, BenchmarkSettings settings,
            long started) throws DeviceException {
        long bytes = plan.bufferBytes();
        int[] err = new int[1];
        context = CL.clCreateContext(null, 1, new cl_device_id[] {device}, null, null, err);
        ClCalls.check(err[0], "clCreateContext", deviceId);
        cl_context ctx = context;
        releases.push(() -> CL.clReleaseContext(ctx));
        @SuppressWarnings("deprecation")
        cl_command_queue q = CL.clCreateCommandQueue(context, device, CL.CL_QUEUE_PROFILING_ENABLE, err);
        ClCalls.check(err[0], "clCreateCommandQueue", deviceId);
        queue = q;
        releases.push(() -> CL.clReleaseCommandQueue(q));

        Shape fitted = fitShape(wanted);
        cl_program program = build(fitted);
        cl_kernel fill = kernel(program, "fill_random");
        cl_kernel read = kernel(program, "read_stream");
        Shape shape = new Shape(fitted.lanes(), fitted.fetch(),
                Math.min(fitted.localSize(), kernelWorkGroupSize(read)));
        long local = shape.localSize();
        if (bytes % shape.bytesPerGroup() != 0 || bytes % 128 != 0) {
            throw new DeviceException("buffer of " + bytes + " bytes is not a multiple of the kernel's "
                    + shape.bytesPerGroup() + "-byte block on " + deviceId);
        }
        long readGlobal = bytes / ((long) shape.lanes() * 4 * shape.fetch());
        LOG.debug("{}: context, queue and kernels took {} ms", deviceId, millisSince(started));

        long phase = System.nanoTime();
        List<String> notes = new ArrayList<>(plan.notes());
        cl_mem buf = hostMemory ? hostBuffer(bytes, notes) : null;
        if (buf == null) {
            buf = buffer(bytes);
        }
        cl_mem out = buffer(readGlobal * Sizeof.cl_uint);
        int seed = (int) (settings.seed() ^ (settings.seed() >>> 32));
        setArg(fill, 0, buf);
        ClCalls.check(CL.clSetKernelArg(fill, 1, Sizeof.cl_uint, Pointer.to(new int[] {seed})), "clSetKernelArg",
                deviceId);
        enqueue(fill, bytes / 64, null);
        ClCalls.check(CL.clFinish(queue), "clFinish", deviceId);
        LOG.debug("{}: allocating and filling {} bytes took {} ms", deviceId, bytes, millisSince(phase));

        setArg(read, 0, buf);
        setArg(read, 1, out);
        phase = System.nanoTime();
        for (int i = 0; i < settings.warmupPasses(); i++) {
            enqueue(read, readGlobal, local);
        }
        Sampler.Samples readSamples = Sampler.take(() -> timed(() -> enqueueEvent(read, readGlobal, local)),
                settings, deviceId);
        verifyRead(out, shape, seed);
        BandwidthMeasurement readResult = BandwidthMeasurement.ofSamples(BandwidthKind.READ, bytes, bytes,
                readSamples, seconds(phase), READ_METHOD, notes);
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: read: {} samples in {} ms: {} GB/s", deviceId, readSamples.seconds().length,
                    millisSince(phase), gbPerSecond(bytes, readSamples));
        }

        phase = System.nanoTime();
        long half = bytes / 2;
        cl_mem whole = buf;
        for (int i = 0; i < settings.warmupPasses(); i++) {
            copy(whole, half, null);
        }
        Sampler.Samples copySamples = Sampler.take(() -> timed(() -> {
            cl_event event = new cl_event();
            copy(whole, half, event);
            return event;
        }), settings, deviceId);
        verifyCopy(whole, half);
        BandwidthMeasurement copyResult = BandwidthMeasurement.ofSamples(BandwidthKind.COPY, bytes, half,
                copySamples, seconds(phase), COPY_METHOD, notes);
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: copy: {} samples in {} ms: {} GB/s", deviceId, copySamples.seconds().length,
                    millisSince(phase), gbPerSecond(bytes, copySamples));
        }
        return new BandwidthResult(readResult, copyResult, null, seconds(started), null);
    }

    /**
     * The buffer of a CPU device in host memory mapped here with huge pages asked for, or null when that is not
     * possible (the driver then allocates it). Unmapped after the buffer is released.
     */
    private cl_mem hostBuffer(long bytes, List<String> notes) throws DeviceException {
        HostPages pages = HostPages.map(bytes);
        if (pages == null) {
            return null;
        }
        releases.push(pages::close);
        int[] err = new int[1];
        cl_mem mem = CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE | CL.CL_MEM_USE_HOST_PTR, bytes,
                Pointer.to(pages.buffer()), err);
        if (err[0] != CL.CL_SUCCESS) {
            LOG.debug("{}: a buffer on host memory mapped here was refused ({}); the driver allocates it", deviceId,
                    ClCalls.name(err[0]));
            return null;
        }
        releases.push(() -> CL.clReleaseMemObject(mem));
        notes.add("the benchmark took " + (bytes >> 20) + " MiB of host memory"
                + (pages.hugePagesAdvised() ? " (huge pages asked for)" : ""));
        return mem;
    }

    private static String gbPerSecond(long bytes, Sampler.Samples samples) {
        StringBuilder sb = new StringBuilder();
        for (double s : samples.seconds()) {
            sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f", bytes / s / 1e9));
        }
        return sb.append(samples.converged() ? " (converged)" : " (not converged)").toString();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private Shape fitShape(Shape wanted) throws DeviceException {
        long maxGroup = ClCalls.deviceSizeT(device, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE, deviceId);
        int local = wanted.localSize();
        while (local > 1 && local > maxGroup) {
            local /= 2;
        }
        return new Shape(wanted.lanes(), wanted.fetch(), local);
    }

    /**
     * Builds the kernels, up to {@link #BUILD_ATTEMPTS} times. PoCL compiles with LLVM inside this process, and
     * LLVM installs signal handlers that delete its temporary files when the JVM takes one of its own
     * (harmless) SIGSEGVs, so a build can fail with "unable to rename temporary". The JVM's signal-chaining
     * library prevents that ({@code ./memwall} and the test runs preload {@code libjsig.so}); without it, a
     * retry usually succeeds. A real error in the source fails every time and is reported with the build log.
     */
    private cl_program build(Shape shape) throws DeviceException {
        String options = String.format(Locale.ROOT, "-DLANES=%d -DFETCH=%d", shape.lanes(), shape.fetch());
        for (int attempt = 1;; attempt++) {
            int[] err = new int[1];
            cl_program program = CL.clCreateProgramWithSource(context, 1, new String[] {SOURCE}, null, err);
            ClCalls.check(err[0], "clCreateProgramWithSource", deviceId);
            releases.push(() -> CL.clReleaseProgram(program));
            int rc = CL.clBuildProgram(program, 1, new cl_device_id[] {device}, options, null, null);
            if (rc == CL.CL_SUCCESS) {
                return program;
            }
            String log = buildLog(program);
            if (attempt == BUILD_ATTEMPTS) {
                throw new DeviceException("clBuildProgram failed on " + deviceId + ": " + ClCalls.name(rc) + " ("
                        + rc + "); build log: " + log + (OpenClLibrary.signalChainingLoaded() ? ""
                        : " (if the log says 'unable to rename temporary', run with LD_PRELOAD set to the JDK's "
                                + "lib/libjsig.so, as ./memwall does)"));
            }
            LOG.debug("{}: clBuildProgram failed ({}), building once more; log: {}", deviceId, ClCalls.name(rc), log);
        }
    }

    private String buildLog(cl_program program) {
        long[] size = new long[1];
        if (CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, 0, null, size) != CL.CL_SUCCESS) {
            return "(unavailable)";
        }
        byte[] log = new byte[(int) Math.min(size[0], 4096)];
        CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
        return new String(log, StandardCharsets.UTF_8).replace('\n', ' ').trim();
    }

    private cl_kernel kernel(cl_program program, String name) throws DeviceException {
        int[] err = new int[1];
        cl_kernel kernel = CL.clCreateKernel(program, name, err);
        ClCalls.check(err[0], "clCreateKernel(" + name + ")", deviceId);
        releases.push(() -> CL.clReleaseKernel(kernel));
        return kernel;
    }

    private int kernelWorkGroupSize(cl_kernel kernel) throws DeviceException {
        long[] value = new long[1];
        ClCalls.check(CL.clGetKernelWorkGroupInfo(kernel, device, CL.CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t,
                Pointer.to(value), null), "clGetKernelWorkGroupInfo", deviceId);
        long size = Sizeof.size_t == 8 ? value[0] : value[0] & 0xffffffffL;
        int local = 1;
        while (local * 2L <= size && local < 1024) {
            local *= 2;
        }
        return local;
    }

    private cl_mem buffer(long bytes) throws DeviceException {
        int[] err = new int[1];
        cl_mem mem = CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, bytes, null, err);
        ClCalls.check(err[0], "clCreateBuffer(" + bytes + " bytes)", deviceId);
        releases.push(() -> CL.clReleaseMemObject(mem));
        return mem;
    }

    private void setArg(cl_kernel kernel, int index, cl_mem mem) throws DeviceException {
        ClCalls.check(CL.clSetKernelArg(kernel, index, Sizeof.cl_mem, Pointer.to(mem)), "clSetKernelArg", deviceId);
    }

    private void enqueue(cl_kernel kernel, long global, Long local) throws DeviceException {
        ClCalls.check(CL.clEnqueueNDRangeKernel(queue, kernel, 1, null, new long[] {global},
                local == null ? null : new long[] {local}, 0, null, null), "clEnqueueNDRangeKernel", deviceId);
    }

    private cl_event enqueueEvent(cl_kernel kernel, long global, long local) throws DeviceException {
        cl_event event = new cl_event();
        ClCalls.check(CL.clEnqueueNDRangeKernel(queue, kernel, 1, null, new long[] {global}, new long[] {local}, 0,
                null, event), "clEnqueueNDRangeKernel", deviceId);
        return event;
    }

    /** Copies the buffer's first half onto its second (the regions do not overlap). */
    private void copy(cl_mem buf, long half, cl_event event) throws DeviceException {
        ClCalls.check(CL.clEnqueueCopyBuffer(queue, buf, buf, 0, half, half, 0, null, event), "clEnqueueCopyBuffer",
                deviceId);
    }

    @FunctionalInterface
    private interface Pass {
        cl_event start() throws DeviceException;
    }

    /** Runs one pass and returns its device time in seconds from the profiling event. */
    private double timed(Pass pass) throws DeviceException {
        cl_event event = pass.start();
        try {
            ClCalls.check(CL.clWaitForEvents(1, new cl_event[] {event}), "clWaitForEvents", deviceId);
            long[] start = new long[1];
            long[] end = new long[1];
            ClCalls.check(CL.clGetEventProfilingInfo(event, CL.CL_PROFILING_COMMAND_START, Sizeof.cl_ulong,
                    Pointer.to(start), null), "clGetEventProfilingInfo", deviceId);
            ClCalls.check(CL.clGetEventProfilingInfo(event, CL.CL_PROFILING_COMMAND_END, Sizeof.cl_ulong,
                    Pointer.to(end), null), "clGetEventProfilingInfo", deviceId);
            if (end[0] <= start[0]) {
                throw new DeviceException("profiling event on " + deviceId + " reported end " + end[0]
                        + " ns not after start " + start[0] + " ns");
            }
            return (end[0] - start[0]) / 1e9;
        } finally {
            CL.clReleaseEvent(event);
        }
    }

    /** Checks the first work-group's results against the same hash computed here. */
    private void verifyRead(cl_mem out, Shape shape, int seed) throws DeviceException {
        int n = shape.localSize();
        int[] got = new int[n];
        ClCalls.check(CL.clEnqueueReadBuffer(queue, out, CL.CL_TRUE, 0, (long) n * Sizeof.cl_uint, Pointer.to(got),
                0, null, null), "clEnqueueReadBuffer", deviceId);
        for (int l = 0; l < n; l++) {
            int expected = 0;
            for (int f = 0; f < shape.fetch(); f++) {
                long vector = l + (long) f * n;
                for (int k = 0; k < shape.lanes(); k++) {
                    expected ^= mix((int) (vector * shape.lanes() + k) ^ seed);
                }
            }
            if (got[l] != expected) {
                throw new DeviceException(String.format(Locale.ROOT,
                        "read kernel on %s returned a wrong value for work-item %d: 0x%08x, expected 0x%08x",
                        deviceId, l, got[l], expected));
            }
        }
    }

    /** Compares both ends of the copy's source half and destination half. */
    private void verifyCopy(cl_mem buf, long half) throws DeviceException {
        int n = (int) Math.min(VERIFY_BYTES, half / 2);
        for (long offset : new long[] {0, half - n}) {
            byte[] a = new byte[n];
            byte[] b = new byte[n];
            ClCalls.check(CL.clEnqueueReadBuffer(queue, buf, CL.CL_TRUE, offset, n, Pointer.to(a), 0, null, null),
                    "clEnqueueReadBuffer", deviceId);
            ClCalls.check(CL.clEnqueueReadBuffer(queue, buf, CL.CL_TRUE, half + offset, n, Pointer.to(b), 0, null,
                    null), "clEnqueueReadBuffer", deviceId);
            if (!Arrays.equals(a, b)) {
                throw new DeviceException("copy on " + deviceId + " did not reproduce the source at byte offset "
                        + offset);
            }
            if (offset == 0) {
                int word = ByteBuffer.wrap(a).order(ByteOrder.nativeOrder()).getInt(0);
                if (word == 0 && ByteBuffer.wrap(a).order(ByteOrder.nativeOrder()).getInt(4) == 0) {
                    throw new DeviceException("fill kernel on " + deviceId + " left the buffer zeroed");
                }
            }
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    /** The kernel's hash, repeated on the host. */
    static int mix(int x) {
        x ^= x >>> 16;
        x *= 0x7feb352d;
        x ^= x >>> 15;
        x *= 0x846ca68b;
        x ^= x >>> 16;
        return x;
    }

    @Override
    public void close() {
        if (queue != null) {
            CL.clFinish(queue);
        }
        while (!releases.isEmpty()) {
            try {
                releases.pop().run();
            } catch (RuntimeException e) {
                LOG.debug("release on {} failed", deviceId, e);
            }
        }
    }

    private static String loadSource() {
        try (InputStream in = OpenClBandwidth.class.getResourceAsStream("bandwidth.cl")) {
            if (in == null) {
                throw new IllegalStateException("bandwidth.cl is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
