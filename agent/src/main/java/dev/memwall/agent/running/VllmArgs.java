package dev.memwall.agent.running;

import java.util.List;

/**
 * The settings that change vLLM's memory, as {@code vllm serve MODEL} (or the older
 * {@code python -m vllm.entrypoints.openai.api_server --model MODEL}) takes them: {@code --max-model-len},
 * {@code --gpu-memory-utilization}, {@code --tensor-parallel-size/-tp}, {@code --kv-cache-dtype}, {@code --dtype},
 * {@code --max-num-seqs}; each null where the command line does not give it (vLLM's default then applies). Option
 * names: vLLM's engine arguments (https://docs.vllm.ai/en/latest/configuration/engine_args.html).
 */
public record VllmArgs(String model, Long maxModelLen, Double gpuMemoryUtilization, Integer tensorParallelSize,
        String kvCacheDtype, String dtype, Integer maxNumSeqs) implements RuntimeSettings {

    @Override
    public Long contextTokens() {
        return maxModelLen;
    }

    /** The settings on a vLLM server's command line, or null when the command line is not one. */
    public static VllmArgs parse(List<String> args) {
        if (args == null) {
            return null;
        }
        int start = -1;
        String model = null;
        for (int i = 0; i + 1 < args.size(); i++) {
            String a = args.get(i);
            String file = a.substring(a.lastIndexOf('/') + 1);
            if (file.equals("vllm") && args.get(i + 1).equals("serve")) {
                start = i + 2;
                if (start < args.size() && !args.get(start).startsWith("-")) {
                    model = args.get(start);
                    start++;
                }
                break;
            }
            if (a.equals("-m") && args.get(i + 1).startsWith("vllm.entrypoints.")) {
                start = i + 2;
                break;
            }
        }
        if (start < 0) {
            return null;
        }
        Long maxModelLen = null;
        Double utilization = null;
        Integer tp = null;
        String kv = null;
        String dtype = null;
        Integer seqs = null;
        for (int i = start; i < args.size(); i++) {
            ArgValues.Option o = ArgValues.Option.at(args, i);
            String value = o.value();
            switch (o.name()) {
                case "--model" -> model = value;
                case "--max-model-len" -> maxModelLen = ArgValues.whole(value);
                case "--gpu-memory-utilization" -> utilization = fraction(value);
                case "--tensor-parallel-size", "-tp" -> tp = ArgValues.count(ArgValues.whole(value));
                case "--kv-cache-dtype" -> kv = value;
                case "--dtype" -> dtype = value;
                case "--max-num-seqs" -> seqs = ArgValues.count(ArgValues.whole(value));
                default -> {
                    continue;
                }
            }
            if (!o.inline()) {
                i++;
            }
        }
        return new VllmArgs(model, maxModelLen, utilization, tp, kv, dtype, seqs);
    }

    /** A fraction in (0, 1] written in ASCII ({@code 0.9}), else null. */
    private static Double fraction(String v) {
        if (v == null || v.isEmpty() || v.length() > 20 || !v.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9')) {
            return null;
        }
        try {
            double d = Double.parseDouble(v);
            return d > 0 && d <= 1 ? d : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
