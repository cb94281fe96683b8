package dev.memwall.agent.running;

import java.util.List;

/**
 * A model a running process holds, with memwall's prediction for it beside what the process really holds.
 *
 * @param pid                      the process
 * @param process                  its name, or null
 * @param runtime                  {@code llama.cpp} where it has llama.cpp's libraries mapped, else null
 * @param modelPath                the model file it holds (for vLLM, the model it serves: a repository id or a
 *                                 folder), or null for a runtime with none mapped or open
 * @param modelFileBytes           that file's size, or null
 * @param settings                 what its command line says about memory (llama.cpp's options, or vLLM's)
 * @param residentBytes            the process's resident memory, or null when unreadable
 * @param modelResidentBytes       bytes of the model file resident in its memory (mapped pages in RAM), or null
 * @param predictedBytes           memwall's estimate of what the runtime allocates for this model with these
 *                                 settings, or null when it cannot be made (say why in {@code notes})
 * @param predictedWeightsBytes    the weights' share of it (the file's tensors as the runtime keeps them), or null
 * @param deviceBytes              device memory its driver attributes to the process (NVML), summed over devices,
 *                                 or null where no driver lists it
 * @param containerId              the container the process runs in, where its control group names one, else null
 * @param mismatch                 whether the real figures and the prediction are more than 10% apart where they
 *                                 can be compared (mapped weights; resident memory above the prediction): memwall
 *                                 or the runtime surprises
 * @param decode                   decode rates: the bound and expected rate memwall gives for this model on this
 *                                 device, and the rate its runtime measured, where known; null when none is
 * @param notes                    what could not be read or predicted, and mismatches beyond 10%
 */
public record RunningModel(long pid, String process, String runtime, String modelPath, Long modelFileBytes,
        RuntimeSettings settings, Long residentBytes, Long modelResidentBytes, Long predictedBytes,
        Long predictedWeightsBytes, Long deviceBytes, String containerId, boolean mismatch, Decode decode,
        List<String> notes) {

    /**
     * Decode rates of one sequence, tokens per second, each null where unknown.
     *
     * @param boundTokensPerSecond    memwall's memory-bandwidth bound on this device
     * @param expectedTokensPerSecond the rate memwall expects (fitted on published measurements)
     * @param measuredTokensPerSecond the rate the runtime measured itself (its local API)
     * @param device                  the device the bound and expectation are for
     */
    public record Decode(Double boundTokensPerSecond, Double expectedTokensPerSecond,
            Double measuredTokensPerSecond, String device) {

        /** measured / expected, or null. */
        public Double measuredOverExpected() {
            return measuredTokensPerSecond == null || expectedTokensPerSecond == null || expectedTokensPerSecond <= 0
                    ? null : measuredTokensPerSecond / expectedTokensPerSecond;
        }
    }

    /** Beyond this share apart, a prediction and the real figure are a note: memwall or the runtime surprises. */
    public static final double MISMATCH = 0.10;

    public RunningModel {
        notes = List.copyOf(notes);
    }

    /** Whether the prediction is of device memory (vLLM; llama.cpp with layers on a GPU), not host memory. */
    public boolean predictedOnDevice() {
        return settings instanceof VllmArgs
                || settings instanceof LlamaCppArgs l && l.gpuLayers() != null && l.gpuLayers() > 0;
    }

    /** The real figure the prediction stands beside: device memory for a device prediction, else resident memory. */
    public Long measuredBytes() {
        return predictedOnDevice() ? deviceBytes : residentBytes;
    }

    /** The same, with the device memory its driver attributes to the process. */
    public RunningModel withDeviceBytes(Long bytes) {
        return new RunningModel(pid, process, runtime, modelPath, modelFileBytes, settings, residentBytes,
                modelResidentBytes, predictedBytes, predictedWeightsBytes, bytes, containerId, mismatch, decode, notes);
    }

    /** The same with this prediction, mismatch flag and notes. */
    public RunningModel withPrediction(Long predicted, boolean mismatched, List<String> newNotes) {
        return new RunningModel(pid, process, runtime, modelPath, modelFileBytes, settings, residentBytes,
                modelResidentBytes, predicted, predictedWeightsBytes, deviceBytes, containerId, mismatched, decode,
                newNotes);
    }

    /** The same with these decode rates, mismatch flag and notes. */
    public RunningModel with(Decode d, boolean mismatched, List<String> newNotes) {
        return new RunningModel(pid, process, runtime, modelPath, modelFileBytes, settings, residentBytes,
                modelResidentBytes, predictedBytes, predictedWeightsBytes, deviceBytes, containerId, mismatched, d,
                newNotes);
    }

}
