#!/usr/bin/env node
// fixtureReference.mjs — llama.cpp's greedy tokens for the bundled fixture model (tests/data/fixture), recorded in
// tests/data/fixture/llamaCppReference.json for later comparison with Huginn's own runtime.
//
// Variants: the committed model-f32.gguf, and Q8_0 / Q4_0 / F16 files converted from it by Huginn's GGUF writer
// (build/ggufConvert, ggml's reference quantisers). For each, llamaCheck.mjs runs the prompts of reference.json
// (BOS prepended, 32 greedy tokens, temperature 0, through EOS) and reports per step the chosen token's probability
// and the runner-up's. The file records each variant's SHA-256 so a later run can tell whether it got the same bytes.
//
// Usage: node fixtureReference.mjs --build BUILD_DIR (--write | --check)
//   --write  (re)writes llamaCppReference.json
//   --check  recomputes everything and fails (exit 1) unless it equals the committed file, the F32 tokens equal
//            PyTorch's (reference.json) and the prompt tokenisation equals reference.json's ids
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const fixture = path.join(root, "tests/data/fixture");
const outFile = path.join(fixture, "llamaCppReference.json");
const args = process.argv.slice(2);
const build = args.includes("--build") ? args[args.indexOf("--build") + 1] : null;
const mode = args.includes("--write") ? "write" : args.includes("--check") ? "check" : null;
if (!build || !mode) {
  process.stderr.write("usage: node fixtureReference.mjs --build BUILD_DIR (--write | --check)\n");
  process.exit(2);
}

const sha256 = (file) => createHash("sha256").update(readFileSync(file)).digest("hex");
const ref = JSON.parse(readFileSync(path.join(fixture, "reference.json")));
const tokens = ref.prompts[0].greedyIds.length;
const work = mkdtempSync(path.join(tmpdir(), "hgn-llamaref-"));
const variants = [];
try {
  const files = { f32: path.join(fixture, "model-f32.gguf") };
  for (const type of ["q8_0", "q4_0", "f16"]) {
    files[type] = path.join(work, `model-${type}.gguf`);
    execFileSync(path.join(build, "ggufConvert"), [files.f32, "--type", type, "--out", files[type]], { stdio: ["ignore", "ignore", "inherit"] });
  }
  for (const [type, file] of Object.entries(files)) {
    // probabilities only when writing: they double llama.cpp's time and --check compares tokens only
    const argv = [path.join(here, "llamaCheck.mjs"), file, "--tokens", String(tokens), ...(mode === "write" ? ["--probs"] : [])];
    for (const p of ref.prompts) argv.push("--prompt", p.text);
    const l = JSON.parse(execFileSync(process.execPath, argv, { encoding: "utf8", maxBuffer: 1 << 26 }));
    if (l.warnings.length) throw new Error(`llama.cpp warned on ${type}: ${l.warnings.join("; ")}`);
    const prompts = l.runs.map((r, i) => {
      const want = ref.prompts[i];
      if (JSON.stringify(r.inputIds) !== JSON.stringify(want.ids))
        throw new Error(`${type}/${want.name}: llama.cpp tokenises to ${JSON.stringify(r.inputIds)}, reference.json has ${JSON.stringify(want.ids)}`);
      const diverge = r.generated.findIndex((t, k) => t !== want.greedyIds[k]);
      return {
        name: want.name,
        ids: r.inputIds,
        greedyIds: r.generated,
        greedyTextWithSpecial: r.generatedTextWithSpecial,
        agreesWithPyTorch: r.generated.filter((t, k) => t === want.greedyIds[k]).length,
        firstDivergence: diverge,
        // per step: [probability of the chosen token, runner-up id, its probability]
        steps: (r.steps ?? []).map((s) => [Number(s.p.toPrecision(6)), s.runnerUp, Number(s.pRunnerUp.toPrecision(6))]),
      };
    });
    variants.push({
      type,
      file: type === "f32" ? "tests/data/fixture/model-f32.gguf" : `ggufConvert model-f32.gguf --type ${type}`,
      sha256: sha256(file),
      bytes: readFileSync(file).length,
      llamaCppFileType: l.printInfo["file type"],
      prompts,
      runtime: l.runtime,
    });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const runtime = variants[0].runtime;
for (const v of variants) delete v.runtime;
const doc = {
  description:
    "llama.cpp's greedy tokens for the fixture prompts of reference.json (BOS prepended, temperature 0, no penalties, " +
    "generation continues through </s>), for model-f32.gguf and for Q8_0/Q4_0/F16 variants converted from it by " +
    "Huginn's GGUF writer with ggml's reference quantisers (build/ggufConvert; sha256 identifies the exact bytes). " +
    "steps[k] = [p(chosen), runner-up id, p(runner-up)]. Written by tools/interop/fixtureReference.mjs --write.",
  runtime: { nodeLlamaCpp: runtime.nodeLlamaCpp, llamaCppRelease: runtime.llamaCppRelease, binary: runtime.binary, threads: runtime.threads },
  tokensPerPrompt: tokens,
  variants,
};
const text = JSON.stringify(doc, null, 1).replace(/\[\s+([^\[\]{}]*?)\s+\]/g, (m, inner) => `[${inner.replace(/\s*\n\s*/g, " ")}]`) + "\n";

const f32 = variants.find((v) => v.type === "f32");
const summary = variants.map((v) => `${v.type} ${v.prompts.reduce((s, p) => s + p.agreesWithPyTorch, 0)}/${v.prompts.length * tokens}`).join(", ");
if (mode === "write") {
  writeFileSync(outFile, text);
  process.stdout.write(`fixtureReference: wrote ${path.relative(root, outFile)}; greedy tokens equal to PyTorch's: ${summary}\n`);
} else {
  const problems = [];
  for (const p of f32.prompts) if (p.firstDivergence !== -1) problems.push(`f32/${p.name}: llama.cpp departs from PyTorch at token ${p.firstDivergence}`);
  let committed = null;
  try {
    committed = JSON.parse(readFileSync(outFile));
  } catch (err) {
    problems.push(`cannot read ${outFile}: ${err.message}`);
  }
  if (committed)
    for (const v of variants) {
      const c = committed.variants.find((x) => x.type === v.type);
      if (!c) problems.push(`${v.type}: not in the committed file`);
      else {
        if (c.sha256 !== v.sha256) problems.push(`${v.type}: bytes differ from the recorded ones (sha256 ${v.sha256} vs ${c.sha256})`);
        v.prompts.forEach((p, i) => {
          if (JSON.stringify(p.greedyIds) !== JSON.stringify(c.prompts[i]?.greedyIds)) problems.push(`${v.type}/${p.name}: greedy tokens differ from the recorded ones`);
        });
      }
    }
  if (problems.length) {
    process.stderr.write(problems.map((p) => `fixtureReference: ${p}\n`).join(""));
    process.exit(1);
  }
  process.stdout.write(`fixtureReference: llama.cpp matches the recorded tokens; equal to PyTorch's: ${summary}\n`);
}
