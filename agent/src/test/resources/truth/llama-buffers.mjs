// Loads a GGUF with real llama.cpp (node-llama-cpp's prebuilt CPU binaries) and prints, for each context asked
// for, the buffers llama.cpp itself logged: one JSON object per line.
// usage: node llama-buffers.mjs <node_modules> <model.gguf> '<json array of contexts>'
//   context: {"ctx": tokens per sequence, "seqs": n, "ubatch": n, "fa": bool, "k": "F16", "v": "F16"}
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, modelPath, contextsJson] = process.argv.slice(2);
const { getLlama, LlamaLogLevel } = await import(
    pathToFileURL(path.join(modules, 'node-llama-cpp', 'dist', 'index.js')).href);
const contexts = JSON.parse(contextsJson);

let lines = [];
const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.debug,
    logger: (level, message) => { lines.push(message.replace(/\n$/, '')); } });

const mib = (re) => lines.filter(l => re.test(l)).map(l => {
    const m = l.match(re);
    return { buffer: m[1], mib: Number(m[2]) };
});
// llama.cpp's log reaches JavaScript asynchronously: wait for the line a step ends with.
const until = async (re) => {
    for (let waited = 0; !lines.some(l => re.test(l)) && waited < 10000; waited += 5) {
        await new Promise(resolve => setTimeout(resolve, 5));
    }
};
const number = (re) => { const l = lines.find(x => re.test(x)); return l ? Number(l.match(re)[1]) : null; };

const model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: true });
await until(/model buffer size/);
await new Promise(resolve => setTimeout(resolve, 200)); // a CPU_REPACK line follows the CPU_Mapped one
const modelBuffers = mib(/load_tensors:\s+(\S+) model buffer size =\s*([\d.]+) MiB/);
process.stdout.write(JSON.stringify({ kind: 'model', buffers: modelBuffers }) + '\n');

for (const c of contexts) {
    lines = [];
    const context = await model.createContext({ contextSize: c.ctx, sequences: c.seqs ?? 1, batchSize: c.ubatch ?? 512,
        flashAttention: c.fa ?? false, experimentalKvCacheKeyType: c.k ?? 'F16',
        experimentalKvCacheValueType: c.v ?? 'F16', ignoreMemorySafetyChecks: true });
    await context.dispose();
    await until(/~llama_context:.*compute buffer size is/);
    process.stdout.write(JSON.stringify({
        kind: 'context', asked: c,
        n_ctx: number(/llama_context: n_ctx\s+=\s*(\d+)/),
        n_ctx_seq: number(/llama_context: n_ctx_seq\s+=\s*(\d+)/),
        n_seq_max: number(/llama_context: n_seq_max\s+=\s*(\d+)/),
        n_ubatch: number(/llama_context: n_ubatch\s+=\s*(\d+)/),
        flash_attn: lines.some(l => /llama_context: flash_attn\s+=\s*enabled/.test(l)),
        output: mib(/llama_context:\s+(\S+)\s+output buffer size =\s*([\d.]+) MiB/),
        kv: mib(/llama_kv_cache(?:_iswa)?:\s+(\S+) KV buffer size =\s*([\d.]+) MiB/),
        kv_cells: lines.filter(l => /llama_kv_cache: size =/.test(l)).map(l => Number(l.match(/\(\s*(\d+) cells/)[1])),
        compute: mib(/~llama_context:\s+(\S+) compute buffer size is\s+([\d.]+) MiB/),
    }) + '\n');
}
await model.dispose();
