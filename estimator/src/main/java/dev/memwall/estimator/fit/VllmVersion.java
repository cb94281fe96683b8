package dev.memwall.estimator.fit;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A vLLM release, for the parts of its memory arithmetic that changed between releases: the V1 engine's profiling
 * run (from 0.8), and whether CUDA graph memory is taken from the budget before the KV cache is sized (from 0.21,
 * together with the higher {@code gpu_memory_utilization} default).
 *
 * @param major the first number (0 for every release so far)
 * @param minor the second
 * @param patch the third, 0 when not given
 */
public record VllmVersion(int major, int minor, int patch) implements Comparable<VllmVersion> {

    /**
     * The V1 engine became the default in 0.8.0; before it the V0 engine profiled differently (its
     * "PyTorch activation peak memory" log line), see {@link VllmProfile#V0_SAMPLER_LOGIT_COPIES}.
     */
    public static final VllmVersion V1_ENGINE = new VllmVersion(0, 8, 0);

    /**
     * From 0.21.0 vLLM estimates the CUDA graphs' memory while profiling and subtracts it from the budget before the
     * KV cache is sized, and {@code gpu_memory_utilization} defaults to 0.92: both in one upstream change,
     * "[Startup][UX] Enable CUDAGraph memory profiling by default" (vllm-project/vllm#38284, commit 96a85c57,
     * vllm/envs.py: {@code VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS} default "1", "Enabled by default as of v0.21.0";
     * vllm/config/cache.py: {@code gpu_memory_utilization ... default=0.92}). Through 0.19 the variable defaulted to
     * "0": the graphs are captured after the KV cache is allocated, out of the {@code 1 - gpu_memory_utilization}
     * headroom (vllm/envs.py and vllm/v1/worker/gpu_worker.py at vllm-project/vllm@2a69949bdadf0e8942b7a1619b229cb475beef20,
     * the v0.19.0 release).
     */
    public static final VllmVersion CUDA_GRAPHS_PROFILED = new VllmVersion(0, 21, 0);

    /** The behaviour memwall assumes when no version is given: the newest it models. */
    public static final VllmVersion CURRENT = CUDA_GRAPHS_PROFILED;

    private static final Pattern TEXT = Pattern.compile("v?(\\d{1,4})\\.(\\d{1,4})(?:\\.(\\d{1,4}))?");

    public VllmVersion {
        if (major < 0 || minor < 0 || patch < 0) {
            throw new IllegalArgumentException("version numbers must be >= 0, were " + major + "." + minor + "."
                    + patch);
        }
    }

    /**
     * A version as vLLM prints it ({@code 0.19.0}, {@code v0.10.1}; a suffix such as {@code .post1} or
     * {@code rc1} is not accepted), or an {@link IllegalArgumentException} naming {@code field}.
     */
    public static VllmVersion parse(String text, String field) {
        Matcher m = TEXT.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(field + " must be a vLLM release such as 0.19 or 0.19.1, was '" + text
                    + "'");
        }
        return new VllmVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
    }

    /** Whether this release runs the V1 engine (its profiling run and sampler warm-up). */
    public boolean v1Engine() {
        return compareTo(V1_ENGINE) >= 0;
    }

    /** Whether CUDA graph memory is taken from the budget before the KV cache is sized. */
    public boolean subtractsCudaGraphs() {
        return compareTo(CUDA_GRAPHS_PROFILED) >= 0;
    }

    /** {@code gpu_memory_utilization} when the user gives none: 0.92 from 0.21, 0.9 before. */
    public double defaultGpuMemoryUtilization() {
        return subtractsCudaGraphs() ? VllmProfile.GPU_MEMORY_UTILIZATION_FROM_0_21
                : VllmProfile.GPU_MEMORY_UTILIZATION;
    }

    @Override
    public int compareTo(VllmVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
