// Times real llama.cpp (node-llama-cpp's prebuilt CPU binaries) decoding one sequence of a GGUF: a short prompt,
// then greedy tokens one at a time. Prints one JSON object per run: tokens and seconds of the decode only.
// usage: node llama-decode.mjs <node_modules> <model.gguf> <threads> <context> <tokens> <runs>
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, modelPath, threadsArg, contextArg, tokensArg, runsArg] = process.argv.slice(2);
const { getLlama, LlamaLogLevel } = await import(
    pathToFileURL(path.join(modules, 'node-llama-cpp', 'dist', 'index.js')).href);
const threads = Number(threadsArg);
const tokens = Number(tokensArg);

const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, maxThreads: threads });
const model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: true });
const context = await model.createContext({ contextSize: Number(contextArg), sequences: 1, threads,
    ignoreMemorySafetyChecks: true });
for (let run = 0; run < Number(runsArg); run++) {
    const sequence = context.getSequence();
    // Prompt: a few tokens; the first generated token includes the prompt's evaluation, so the clock starts after it.
    const generator = sequence.evaluate([1, 300, 301, 302], { temperature: 0, yieldEogToken: true });
    await generator.next();
    const started = process.hrtime.bigint();
    let n = 0;
    for (; n < tokens; n++) {
        const r = await generator.next();
        if (r.done) break;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await generator.return();
    process.stdout.write(JSON.stringify({ run, threads: context.currentThreads, tokens: n, seconds,
        tokens_per_second: n / seconds }) + '\n');
    sequence.dispose();
}
await context.dispose();
await model.dispose();
