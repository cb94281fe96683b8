// Holds a GGUF loaded in real llama.cpp (node-llama-cpp's prebuilt CPU binaries) until told to stop, as a running
// model server would, so another process can look at it. Prints one JSON line per step and waits for a line on
// stdin before the next: started (llama.cpp's libraries loaded, no model), loaded (model and context made), then,
// when the line says "fill", filled (a prompt as long as the context evaluated, as a server's first long request
// would: every buffer llama.cpp allocated has been used once).
// usage: node hold-model.mjs <node_modules> <model.gguf> --ctx-size <tokens>
//   (the context is given as llama.cpp's own programs take it, where memwall can read it on the command line)
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';

const [modules, modelPath, ctxFlag, ctxValue] = process.argv.slice(2);
if (ctxFlag !== '--ctx-size') throw new Error('usage: hold-model.mjs <node_modules> <model.gguf> --ctx-size N');
const { getLlama, LlamaLogLevel } = await import(
    pathToFileURL(path.join(modules, 'node-llama-cpp', 'dist', 'index.js')).href);
const lines = readline.createInterface({ input: process.stdin });
const next = () => new Promise(resolve => lines.once('line', resolve));

const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
process.stdout.write(JSON.stringify({ state: 'started', pid: process.pid }) + '\n');
await next();
const model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: true });
const context = await model.createContext({ contextSize: Number(ctxValue), sequences: 1, batchSize: 512,
    flashAttention: false, ignoreMemorySafetyChecks: true });
process.stdout.write(JSON.stringify({ state: 'loaded', context_size: context.contextSize }) + '\n');
if (await next() === 'fill') {
    // One token short of the context (llama.cpp's KV cache view is padded to 256 cells, so the last micro-batch
    // attends to the whole cache): ids below the generated vocabulary's size.
    const tokens = Array.from({ length: context.contextSize - 1 }, (_, i) => 1 + (i % 8000));
    const sequence = context.getSequence();
    const started = process.hrtime.bigint();
    await sequence.evaluateWithoutGeneratingNewTokens(tokens);
    process.stdout.write(JSON.stringify({ state: 'filled', tokens: tokens.length,
        seconds: Number(process.hrtime.bigint() - started) / 1e9 }) + '\n');
    await next();
}
await context.dispose();
await model.dispose();
process.exit(0);
