#!/usr/bin/env node
// ggufParse.mjs — parses a GGUF with @huggingface/gguf (an independent reader, not llama.cpp's) and prints JSON:
//   {"parser", "version", "tensorCount", "kvCount", "tensorDataOffset", "parameterCount",
//    "metadata": {KEY: value}, "types": {KEY: "UINT32" | "ARRAY[STRING]" …},
//    "tensors": [{"name", "ggmlType", "dims" (innermost first), "offset" (from the data section)}]}
// Usage: node ggufParse.mjs FILE.gguf        Exit status 1 (message on stderr) when the file does not parse.
import { gguf, GGUFValueType } from "@huggingface/gguf";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const file = process.argv[2];
if (!file || process.argv.length !== 3 || file.startsWith("-")) {
  process.stderr.write("usage: node ggufParse.mjs FILE.gguf\n");
  process.exit(2);
}

const toJson = (v) => (typeof v === "bigint" ? Number(v) : Array.isArray(v) ? v.map(toJson) : v);
const typeName = (t) => GGUFValueType[t] ?? String(t);

try {
  const parsed = await gguf(path.resolve(file), { allowLocalFile: true, typedMetadata: true, computeParametersCount: true });
  const { metadata, typedMetadata, tensorInfos, tensorDataOffset, parameterCount } = parsed;
  const header = new Set(["version", "tensor_count", "kv_count"]);
  const out = {
    parser: `@huggingface/gguf ${JSON.parse(readFileSync(path.join(here, "node_modules/@huggingface/gguf/package.json"))).version}`,
    version: toJson(metadata.version),
    tensorCount: toJson(metadata.tensor_count),
    kvCount: toJson(metadata.kv_count),
    tensorDataOffset: Number(tensorDataOffset),
    parameterCount,
    metadata: {},
    types: {},
    tensors: tensorInfos.map((t) => ({ name: t.name, ggmlType: t.dtype, dims: t.shape.map(Number), offset: Number(t.offset) })),
  };
  for (const [key, value] of Object.entries(metadata)) if (!header.has(key)) out.metadata[key] = toJson(value);
  for (const [key, tv] of Object.entries(typedMetadata)) {
    if (header.has(key)) continue;
    out.types[key] = tv.type === GGUFValueType.ARRAY ? `ARRAY[${typeName(tv.subType)}]` : typeName(tv.type);
  }
  process.stdout.write(JSON.stringify(out) + "\n");
} catch (err) {
  process.stderr.write(`ggufParse: ${file}: ${err?.message ?? err}\n`);
  process.exit(1);
}
