#!/usr/bin/env node
// llamaCheck.mjs — loads a GGUF in llama.cpp (through node-llama-cpp's prebuilt CPU binaries; never downloads or
// builds anything) and prints one JSON object: what llama.cpp read (its print_info lines, the model's own getters,
// every warning it logged), and for each prompt its tokenisation and N greedy tokens (temperature 0, no penalties,
// generation continues through end-of-generation tokens).
//
// Usage: node llamaCheck.mjs FILE.gguf [--prompt TEXT]... [--tokens N] [--threads N] [--probs]
//   --prompt TEXT  a prompt (repeatable; default one empty prompt = BOS alone); BOS is prepended when the model
//                  asks for it (tokenizer.ggml.add_bos_token)
//   --tokens N     greedy tokens to generate per prompt (default 16)
//   --threads N    CPU threads (default 2)
//   --probs        also report, per generated token, its probability and the runner-up's (a near-tie explains a
//                  disagreement between implementations)
// Exit status 1 with a message on stderr when llama.cpp cannot load the file or generation fails.
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const usage = "usage: node llamaCheck.mjs FILE.gguf [--prompt TEXT]... [--tokens N] [--threads N] [--probs]\n";

function parseArgs(argv) {
  const opts = { file: null, prompts: [], tokens: 16, threads: 2, probs: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const count = (name, v, min) => {
      if (!/^\d+$/.test(v) || Number(v) < min) throw new Error(`${name} needs an integer >= ${min}, got '${v}'`);
      return Number(v);
    };
    if (a === "--prompt") opts.prompts.push(value());
    else if (a === "--tokens") opts.tokens = count(a, value(), 0);
    else if (a === "--threads") opts.threads = count(a, value(), 1);
    else if (a === "--probs") opts.probs = true;
    else if (a === "--help" || a === "-h") {
      process.stdout.write(usage);
      process.exit(0);
    } else if (a.startsWith("-") || opts.file) throw new Error(`unexpected argument '${a}'`);
    else opts.file = a;
  }
  if (!opts.file) throw new Error("a GGUF file is required");
  if (opts.prompts.length === 0) opts.prompts.push("");
  return opts;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`llamaCheck: ${err.message}\n${usage}`);
  process.exit(2);
}

const version = (pkg) => JSON.parse(readFileSync(path.join(here, "node_modules", pkg, "package.json"))).version;
const logs = [];
const printInfo = {};
const warnings = [];
function logger(level, message) {
  for (const line of String(message).split("\n")) {
    const m = /^print_info:\s*(.+?)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) printInfo[m[1]] = m[2];
    if (level === LlamaLogLevel.warn || level === LlamaLogLevel.error || level === LlamaLogLevel.fatal)
      if (line.trim()) warnings.push(`${level}: ${line.trim()}`);
    logs.push(line);
  }
}

try {
  const llama = await getLlama({
    build: "never", // prebuilt binaries from npm only; never clone or compile llama.cpp
    skipDownload: true,
    usePrebuiltBinaries: true,
    gpu: false,
    progressLogs: false,
    logLevel: LlamaLogLevel.info,
    logger,
  });
  const model = await llama.loadModel({ modelPath: path.resolve(opts.file), gpuLayers: 0 });
  const t = model.tokens;
  const addBos = t.shouldPrependBosToken && t.bos != null;
  const runsIn = opts.prompts.map((text) => {
    const tokens = text === "" ? [] : Array.from(model.tokenize(text, false));
    return { prompt: text, tokens, inputIds: addBos ? [t.bos, ...tokens] : tokens };
  });
  if (runsIn.some((r) => r.inputIds.length === 0)) throw new Error("an empty prompt needs a BOS token to start from");
  const needed = Math.max(...runsIn.map((r) => r.inputIds.length)) + opts.tokens + 1;
  if (needed > model.trainContextSize)
    throw new Error(`prompt + ${opts.tokens} tokens needs ${needed} positions; the model's context is ${model.trainContextSize}`);
  const context = await model.createContext({ contextSize: needed, threads: opts.threads, sequences: 1 });
  const sequence = context.getSequence();
  const runs = [];
  for (const run of runsIn) {
    await sequence.clearHistory();
    const generated = [];
    const steps = [];
    let input = run.inputIds.slice(0, -1);
    let last = run.inputIds[run.inputIds.length - 1];
    for (let n = 0; n < opts.tokens; n++) {
      const items = [...input, [last, { generateNext: { token: true, probabilities: opts.probs, options: { temperature: 0 } } }]];
      const out = await sequence.controlledEvaluate(items);
      const next = out[items.length - 1]?.next;
      if (next?.token == null) throw new Error(`llama.cpp produced no token at step ${n} of prompt ${JSON.stringify(run.prompt)}`);
      if (opts.probs) {
        const ranked = [...next.probabilities.entries()].sort((a, b) => b[1] - a[1]);
        steps.push({ token: next.token, p: ranked[0]?.[1] ?? null, runnerUp: ranked[1]?.[0] ?? null, pRunnerUp: ranked[1]?.[1] ?? null });
        if (ranked[0] && ranked[0][0] !== next.token) throw new Error(`greedy token ${next.token} is not the most probable (${ranked[0][0]})`);
      }
      generated.push(next.token);
      input = [];
      last = next.token;
    }
    runs.push({
      ...run,
      generated,
      generatedText: model.detokenize(generated, false),
      generatedTextWithSpecial: model.detokenize(generated, true),
      ...(opts.probs ? { steps } : {}),
    });
  }
  const result = {
    file: opts.file,
    runtime: {
      nodeLlamaCpp: version("node-llama-cpp"),
      llamaCppRelease: llama.llamaCppRelease?.release ?? null,
      binary: llama.buildType,
      gpu: llama.gpu,
      threads: opts.threads,
    },
    model: {
      architecture: model.fileInfo?.metadata?.general?.architecture ?? null,
      description: model.typeDescription,
      trainContextSize: model.trainContextSize,
      embeddingVectorSize: model.embeddingVectorSize,
      totalParameters: model._model?.getTotalParameters?.() ?? null,
      sizeBytes: model.size,
      vocabularyType: model.vocabularyType,
      bos: t.bos,
      eos: t.eos,
      nl: t.nl,
      addBos: t.shouldPrependBosToken,
      addEos: t.shouldAppendEosToken,
    },
    printInfo,
    warnings: [...warnings, ...model.getWarnings().map((w) => `node-llama-cpp: ${w}`)],
    runs,
  };
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  process.stdout.write(JSON.stringify(result) + "\n");
} catch (err) {
  process.stderr.write(`llamaCheck: ${opts.file}: ${err?.message ?? err}\n`);
  const tail = logs.filter((l) => l.trim() && l.trim() !== ".").slice(-15);
  if (tail.length) process.stderr.write(`llama.cpp log (last lines):\n  ${tail.join("\n  ")}\n`);
  process.exit(1);
}
