package dev.memwall.agent.running;

import java.util.List;
import java.util.Locale;

/**
 * The settings that change llama.cpp's memory, as its programs take them on their command line ({@code llama-server},
 * {@code llama-cli} and programs that pass the same options on): {@code -c/--ctx-size}, {@code -ngl/--n-gpu-layers},
 * {@code -np/--parallel}, {@code -fa/--flash-attn} (a flag in older releases, {@code on|off|auto} in newer ones),
 * {@code -ctk/--cache-type-k}, {@code -ctv/--cache-type-v}, {@code -ub/--ubatch-size}, {@code -m/--model} and
 * {@code -fit/--fit on|off} (whether llama.cpp adjusts unset settings to fit the device). Each
 * is null where the command line does not give it (the runtime's default then applies, and is not guessed here).
 * Option names: llama.cpp's common/arg.cpp (https://github.com/ggml-org/llama.cpp/blob/master/common/arg.cpp).
 */
public record LlamaCppArgs(Long contextTokens, Integer gpuLayers, Integer sequences, Boolean flashAttention,
        String cacheTypeK, String cacheTypeV, Integer ubatchTokens, String model, Boolean fit)
        implements RuntimeSettings {

    /** Nothing given. */
    public static final LlamaCppArgs NONE = new LlamaCppArgs(null, null, null, null, null, null, null, null, null);

    /** The settings on this command line; a value that does not read as its option's type is left out. */
    public static LlamaCppArgs parse(List<String> args) {
        if (args == null) {
            return NONE;
        }
        Long ctx = null;
        Integer ngl = null;
        Integer np = null;
        Boolean fa = null;
        String ctk = null;
        String ctv = null;
        Integer ub = null;
        String model = null;
        Boolean fit = null;
        for (int i = 1; i < args.size(); i++) {
            ArgValues.Option o = ArgValues.Option.at(args, i);
            String value = o.inline() ? o.value() : null;
            String next = o.value();
            boolean consumed = !o.inline();
            switch (o.name()) {
                case "-c", "--ctx-size" -> ctx = ArgValues.whole(next);
                case "-ngl", "--n-gpu-layers", "--gpu-layers" -> {
                    Long v = ArgValues.whole(next);
                    ngl = v == null ? (next != null && next.equals("all") ? Integer.MAX_VALUE : null)
                            : (int) Math.min(v, Integer.MAX_VALUE);
                }
                case "-np", "--parallel" -> np = ArgValues.count(ArgValues.whole(next));
                case "-ub", "--ubatch-size" -> ub = ArgValues.count(ArgValues.whole(next));
                case "-ctk", "--cache-type-k" -> ctk = next;
                case "-ctv", "--cache-type-v" -> ctv = next;
                case "-m", "--model" -> model = next;
                case "-fa", "--flash-attn" -> {
                    String v = next == null ? "" : next.toLowerCase(Locale.ROOT);
                    if (v.equals("on") || v.equals("off") || v.equals("auto")) {
                        fa = v.equals("auto") ? null : v.equals("on");
                    } else {
                        // the older flag form: no value follows
                        fa = true;
                        consumed = false;
                        if (value != null) {
                            fa = null;
                        }
                    }
                }
                case "-fit", "--fit" -> {
                    String v = next == null ? "" : next.toLowerCase(Locale.ROOT);
                    fit = v.equals("on") ? Boolean.TRUE : v.equals("off") ? Boolean.FALSE : null;
                    consumed = fit != null || value != null;
                }
                case "--no-flash-attn" -> {
                    fa = false;
                    consumed = false;
                }
                default -> consumed = false;
            }
            if (consumed && value == null) {
                i++;
            }
        }
        return new LlamaCppArgs(ctx, ngl, np, fa, ctk, ctv, ub, model, fit);
    }
}
