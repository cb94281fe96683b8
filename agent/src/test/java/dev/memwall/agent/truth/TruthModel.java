package dev.memwall.agent.truth;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A small model llama.cpp loads and runs: a GGUF v3 file of a given architecture and shape with an SPM vocabulary
 * and weights of one type (F16, Q8_0 or Q4_0; norms in F32). The weights are small pseudo-random values, valid for
 * their type, streamed to disk so a file of a gigabyte takes a second.
 *
 * @param name       a label for reports
 * @param arch       {@code general.architecture}: llama, qwen2, qwen3, qwen3moe or gemma3
 * @param layers     blocks
 * @param embedding  hidden width
 * @param feedForward feed-forward width
 * @param heads      query heads
 * @param kvHeads    key/value heads
 * @param headDim    per-head width
 * @param vocabulary tokens
 * @param tied       no {@code output.weight}: the output layer is the token embedding
 * @param window     sliding window in tokens (gemma3), 0 for none
 * @param weightType F16, Q8_0 or Q4_0
 * @param experts    routed experts per layer (qwen3moe; {@code feedForward} is then each expert's width), 0 for a
 *                   dense model
 * @param expertsUsed experts each token uses
 */
record TruthModel(String name, String arch, int layers, int embedding, int feedForward, int heads, int kvHeads,
        int headDim, int vocabulary, boolean tied, int window, String weightType, int experts, int expertsUsed) {

    /** A dense model. */
    TruthModel(String name, String arch, int layers, int embedding, int feedForward, int heads, int kvHeads,
            int headDim, int vocabulary, boolean tied, int window, String weightType) {
        this(name, arch, layers, embedding, feedForward, heads, kvHeads, headDim, vocabulary, tied, window,
                weightType, 0, 0);
    }

    private static final int F32 = 0;
    private static final int F16 = 1;
    private static final int Q4_0 = 2;
    private static final int Q8_0 = 8;
    private static final long ALIGNMENT = 32;

    private record Tensor(String name, long[] shape, int type) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        long bytes() {
            return switch (type) {
                case F32 -> elements() * 4;
                case F16 -> elements() * 2;
                case Q8_0 -> elements() / 32 * 34;
                case Q4_0 -> elements() / 32 * 18;
                default -> throw new IllegalStateException("type " + type);
            };
        }
    }

    private int type() {
        return switch (weightType) {
            case "F16" -> F16;
            case "Q8_0" -> Q8_0;
            case "Q4_0" -> Q4_0;
            default -> throw new IllegalArgumentException("weight type " + weightType);
        };
    }

    private List<Tensor> tensors() {
        int w = type();
        long q = (long) heads * headDim;
        long kv = (long) kvHeads * headDim;
        List<Tensor> t = new ArrayList<>();
        t.add(new Tensor("token_embd.weight", new long[] {embedding, vocabulary}, w));
        for (int i = 0; i < layers; i++) {
            String p = "blk." + i + ".";
            t.add(new Tensor(p + "attn_norm.weight", new long[] {embedding}, F32));
            t.add(new Tensor(p + "attn_q.weight", new long[] {embedding, q}, w));
            t.add(new Tensor(p + "attn_k.weight", new long[] {embedding, kv}, w));
            t.add(new Tensor(p + "attn_v.weight", new long[] {embedding, kv}, w));
            t.add(new Tensor(p + "attn_output.weight", new long[] {q, embedding}, w));
            if (arch.equals("qwen2")) {
                t.add(new Tensor(p + "attn_q.bias", new long[] {q}, F32));
                t.add(new Tensor(p + "attn_k.bias", new long[] {kv}, F32));
                t.add(new Tensor(p + "attn_v.bias", new long[] {kv}, F32));
            }
            if (arch.startsWith("qwen3") || arch.equals("gemma3")) {
                t.add(new Tensor(p + "attn_q_norm.weight", new long[] {headDim}, F32));
                t.add(new Tensor(p + "attn_k_norm.weight", new long[] {headDim}, F32));
            }
            if (arch.equals("gemma3")) {
                t.add(new Tensor(p + "post_attention_norm.weight", new long[] {embedding}, F32));
                t.add(new Tensor(p + "post_ffw_norm.weight", new long[] {embedding}, F32));
            }
            t.add(new Tensor(p + "ffn_norm.weight", new long[] {embedding}, F32));
            if (experts > 0) {
                t.add(new Tensor(p + "ffn_gate_inp.weight", new long[] {embedding, experts}, F32));
                t.add(new Tensor(p + "ffn_gate_exps.weight", new long[] {embedding, feedForward, experts}, w));
                t.add(new Tensor(p + "ffn_down_exps.weight", new long[] {feedForward, embedding, experts}, w));
                t.add(new Tensor(p + "ffn_up_exps.weight", new long[] {embedding, feedForward, experts}, w));
                continue;
            }
            t.add(new Tensor(p + "ffn_gate.weight", new long[] {embedding, feedForward}, w));
            t.add(new Tensor(p + "ffn_up.weight", new long[] {embedding, feedForward}, w));
            t.add(new Tensor(p + "ffn_down.weight", new long[] {feedForward, embedding}, w));
        }
        t.add(new Tensor("output_norm.weight", new long[] {embedding}, F32));
        if (!tied) {
            t.add(new Tensor("output.weight", new long[] {embedding, vocabulary}, w));
        }
        return t;
    }

    /** Writes the file and returns it. */
    Path write(Path file) throws IOException {
        Header h = new Header();
        List<Object[]> kv = new ArrayList<>();
        kv.add(new Object[] {"general.architecture", arch});
        kv.add(new Object[] {"general.name", name});
        kv.add(new Object[] {arch + ".block_count", layers});
        kv.add(new Object[] {arch + ".context_length", 131072});
        kv.add(new Object[] {arch + ".embedding_length", embedding});
        kv.add(new Object[] {arch + ".feed_forward_length", feedForward});
        kv.add(new Object[] {arch + ".attention.head_count", heads});
        kv.add(new Object[] {arch + ".attention.head_count_kv", kvHeads});
        kv.add(new Object[] {arch + ".attention.key_length", headDim});
        kv.add(new Object[] {arch + ".attention.value_length", headDim});
        kv.add(new Object[] {arch + ".attention.layer_norm_rms_epsilon", 1e-6f});
        kv.add(new Object[] {arch + ".rope.freq_base", 10000f});
        if (window > 0) {
            kv.add(new Object[] {arch + ".attention.sliding_window", window});
        }
        if (experts > 0) {
            kv.add(new Object[] {arch + ".expert_count", experts});
            kv.add(new Object[] {arch + ".expert_used_count", expertsUsed});
            kv.add(new Object[] {arch + ".expert_feed_forward_length", feedForward});
        }
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
        }
        while (tokens.size() < vocabulary) {
            tokens.add("\u2581tok" + tokens.size());
        }
        float[] scores = new float[vocabulary];
        int[] types = new int[vocabulary];
        for (int i = 0; i < vocabulary; i++) {
            scores[i] = -i;
            types[i] = i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1;
        }
        kv.add(new Object[] {"tokenizer.ggml.model", "llama"});
        kv.add(new Object[] {"tokenizer.ggml.tokens", tokens});
        kv.add(new Object[] {"tokenizer.ggml.scores", scores});
        kv.add(new Object[] {"tokenizer.ggml.token_type", types});
        kv.add(new Object[] {"tokenizer.ggml.bos_token_id", 1});
        kv.add(new Object[] {"tokenizer.ggml.eos_token_id", 2});
        kv.add(new Object[] {"tokenizer.ggml.unknown_token_id", 0});

        List<Tensor> tensors = tensors();
        h.bytes("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(tensors.size()).u64(kv.size());
        for (Object[] pair : kv) {
            h.string((String) pair[0]).value(pair[1]);
        }
        long offset = 0;
        for (Tensor t : tensors) {
            h.string(t.name).u32(t.shape.length);
            for (long d : t.shape) {
                h.u64(d);
            }
            h.u32(t.type).u64(offset);
            offset = align(offset + t.bytes());
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            byte[] header = h.toBytes();
            out.write(header);
            out.write(new byte[(int) (align(header.length) - header.length)]);
            Random random = new Random(42);
            for (Tensor t : tensors) {
                byte[] pattern = pattern(t.type, random);
                long left = t.bytes();
                while (left > 0) {
                    int n = (int) Math.min(left, pattern.length);
                    out.write(pattern, 0, n);
                    left -= n;
                }
                out.write(new byte[(int) (align(t.bytes()) - t.bytes())]);
            }
        }
        return file;
    }

    /** A run of valid values of the type, a whole number of blocks long. */
    private static byte[] pattern(int type, Random random) {
        ByteBuffer b;
        switch (type) {
            case F32 -> {
                b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
                while (b.hasRemaining()) {
                    b.putFloat(1.0f);
                }
            }
            case F16 -> {
                b = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
                while (b.hasRemaining()) {
                    b.putShort(half((float) (random.nextGaussian() * 0.02)));
                }
            }
            case Q8_0 -> {
                b = ByteBuffer.allocate(34 * 256).order(ByteOrder.LITTLE_ENDIAN);
                while (b.hasRemaining()) {
                    b.putShort(half(0.02f / 127));
                    for (int i = 0; i < 32; i++) {
                        b.put((byte) (random.nextInt(255) - 127));
                    }
                }
            }
            case Q4_0 -> {
                b = ByteBuffer.allocate(18 * 512).order(ByteOrder.LITTLE_ENDIAN);
                while (b.hasRemaining()) {
                    b.putShort(half(0.02f / 8));
                    for (int i = 0; i < 16; i++) {
                        b.put((byte) random.nextInt(256));
                    }
                }
            }
            default -> throw new IllegalStateException("type " + type);
        }
        return b.array();
    }

    /** IEEE half of a small normal float (|v| in [6e-5, 65504]), rounded toward zero. */
    private static short half(float v) {
        int bits = Float.floatToRawIntBits(v);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = ((bits >>> 23) & 0xff) - 127 + 15;
        if (exponent <= 0) {
            return (short) sign;
        }
        return (short) (sign | (exponent << 10) | ((bits >>> 13) & 0x3ff));
    }

    private static long align(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** GGUF header fields, little-endian. */
    private static final class Header {
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        Header bytes(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Header u32(long v) {
            scratch.clear();
            scratch.putInt((int) v);
            out.write(scratch.array(), 0, 4);
            return this;
        }

        Header u64(long v) {
            scratch.clear();
            scratch.putLong(v);
            out.write(scratch.array(), 0, 8);
            return this;
        }

        Header f32(float v) {
            return u32(Float.floatToRawIntBits(v) & 0xffffffffL);
        }

        Header string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u64(b.length).bytes(b);
        }

        /** A metadata value with its type: UINT32 (4), FLOAT32 (6), STRING (8) or ARRAY (9). */
        @SuppressWarnings("unchecked")
        Header value(Object v) {
            if (v instanceof Integer i) {
                return u32(4).u32(i);
            }
            if (v instanceof Float f) {
                return u32(6).f32(f);
            }
            if (v instanceof String s) {
                return u32(8).string(s);
            }
            if (v instanceof float[] a) {
                u32(9).u32(6).u64(a.length);
                for (float f : a) {
                    f32(f);
                }
                return this;
            }
            if (v instanceof int[] a) {
                u32(9).u32(5).u64(a.length);
                for (int i : a) {
                    u32(i);
                }
                return this;
            }
            List<String> list = (List<String>) v;
            u32(9).u32(8).u64(list.size());
            list.forEach(this::string);
            return this;
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }
}
