#!/usr/bin/env bash
# llamaInterop.sh — GGUF files written by Huginn (tools/makeModel, through
# the GGUF writer) load in llama.cpp, the format's reference implementation
# (node-llama-cpp's prebuilt CPU build), and in an independent parser
# (@huggingface/gguf); the metadata and tensor table all three readers report
# agree with what Huginn wrote; llama.cpp tokenises and generates greedy
# tokens without a warning; a truncated file is rejected by every reader;
# Huginn's ggml block quantisers give the same bytes as ggml's (ggmlCompare
# against node-llama-cpp's libggml-base.so); the
# bundled fixture (and its Q8_0/Q4_0/F16 conversions by ggufConvert) gives
# the greedy tokens recorded in tests/data/fixture/llamaCppReference.json.
# Needs tools/interop/node_modules (scripts/dev.sh setup-interop); skips
# without it.
set -u
: "${HGN_BINARY_DIR:?HGN_BINARY_DIR must point at the build tree}"
src=${HGN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
interop=$src/tools/interop
if [ ! -d "$interop/node_modules/node-llama-cpp" ] || [ ! -d "$interop/node_modules/@huggingface/gguf" ] ||
  ! command -v node >/dev/null; then
  echo "skip: llama.cpp interop (run scripts/dev.sh setup-interop)"
  exit 0
fi
mm=$HGN_BINARY_DIR/makeModel
gj=$HGN_BINARY_DIR/ggufJson
export NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
compare() { # compare WHAT PYTHON-STATEMENTS ARGS… (h = Huginn's reader, p = @huggingface/gguf, l = llama.cpp)
  python3 - "$@" 2>"$work/pyerr" <<'PY' || fail "$1: $(tail -1 "$work/pyerr")"
import json, struct, sys
what, code, base = sys.argv[1], sys.argv[2], sys.argv[3]
h = json.load(open(base + ".huginn.json")); p = json.load(open(base + ".hf.json")); l = json.load(open(base + ".llama.json"))
f32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]
exec(code)
PY
}

# ---- Huginn's block quantisers are bit-identical with ggml's own (libggml-base from node-llama-cpp) -------
lib=$(ls "$interop"/node_modules/@node-llama-cpp/linux-x64/bins/*/libggml-base.so 2>/dev/null | head -1)
if [ -n "$lib" ]; then
  "$HGN_BINARY_DIR/ggmlCompare" "$lib" >"$work/cmp" 2>&1 || fail "ggmlCompare: $(cat "$work/cmp")"
  grep -q "identical to ggml" "$work/cmp" && grep -q "^q4_0  quantize 32768 blocks, 0 differ" "$work/cmp" ||
    fail "ggmlCompare output: $(cat "$work/cmp")"
else
  fail "no libggml-base.so under $interop/node_modules/@node-llama-cpp/linux-x64"
fi

# name layers dim heads kvHeads ffn vocab ctx type seed
configs=(
  "f32 2 64 4 2 96 300 256 f32 1"
  "f16 2 64 4 4 96 300 256 f16 2"
  "q8_0 3 96 6 3 160 400 512 q8_0 3"
  "q4_0 2 128 4 1 256 512 256 q4_0 4"
)
tokens=12
prompt="the cat sat on the mat, and then it ran."
for cfg in "${configs[@]}"; do
  read -r name layers dim heads kv ffn vocab ctx type seed <<<"$cfg"
  base=$work/$name
  "$mm" --out "$base.gguf" --layers "$layers" --dim "$dim" --heads "$heads" --kv-heads "$kv" --ffn "$ffn" \
    --vocab "$vocab" --ctx "$ctx" --type "$type" --seed "$seed" --quiet 2>"$work/err" ||
    { fail "makeModel $name: $(cat "$work/err")"; continue; }
  "$gj" "$base.gguf" >"$base.huginn.json" 2>"$work/err" || { fail "Huginn's reader, $name: $(cat "$work/err")"; continue; }
  node "$interop/ggufParse.mjs" "$base.gguf" >"$base.hf.json" 2>"$work/err" ||
    { fail "@huggingface/gguf rejects $name: $(cat "$work/err")"; continue; }
  probs=()
  [ "$name" = f32 ] && probs=(--probs) # probabilities double llama.cpp's time: one configuration is enough
  node "$interop/llamaCheck.mjs" "$base.gguf" --prompt "$prompt" --prompt "" --tokens $tokens "${probs[@]}" \
    >"$base.llama.json" 2>"$work/err" || { fail "llama.cpp rejects $name: $(cat "$work/err")"; continue; }
  compare "$name: @huggingface/gguf agrees with Huginn's reader" '
assert p["version"] == h["version"] == 3 and p["tensorDataOffset"] == h["dataOffset"]
assert p["kvCount"] == len(h["metadata"]) and p["tensorCount"] == len(h["tensors"])
assert list(p["metadata"]) == list(h["metadata"]), (list(p["metadata"]), list(h["metadata"]))
assert p["types"] == h["types"], [(k, p["types"][k], h["types"].get(k)) for k in p["types"] if p["types"][k] != h["types"].get(k)]
for k, hv in h["metadata"].items():
    pv = p["metadata"][k]
    if h["types"][k] == "FLOAT32": assert f32(pv) == f32(hv), (k, pv, hv)
    else: assert pv == hv, (k, str(pv)[:80], str(hv)[:80])
ht = [(t["name"], t["ggmlType"], t["dims"], t["offset"]) for t in h["tensors"]]
pt = [(t["name"], t["ggmlType"], t["dims"], t["offset"]) for t in p["tensors"]]
assert ht == pt, [(a, b) for a, b in zip(ht, pt) if a != b][:3]
params = sum(eval("*".join(map(str, t["dims"]))) for t in h["tensors"])
assert p["parameterCount"] == params, (p["parameterCount"], params)
' "$base"
  compare "$name: llama.cpp read what Huginn wrote" '
m = h["metadata"]; pi = l["printInfo"]; mod = l["model"]
want = {"arch": "llama", "n_layer": m["llama.block_count"], "n_embd": m["llama.embedding_length"],
        "n_head": m["llama.attention.head_count"], "n_head_kv": m["llama.attention.head_count_kv"],
        "n_ff": m["llama.feed_forward_length"], "n_ctx_train": m["llama.context_length"],
        "n_rot": m["llama.rope.dimension_count"], "n_vocab": m["llama.vocab_size"],
        "n_merges": len(m["tokenizer.ggml.merges"]), "vocab type": "BPE",
        "file type": {0: "all F32", 1: "F16", 7: "Q8_0", 2: "Q4_0"}[m["general.file_type"]],
        "n_embd_head_k": m["llama.embedding_length"] // m["llama.attention.head_count"],
        "BOS token": "1 \u0027<s>\u0027", "EOS token": "2 \u0027</s>\u0027", "general.name": m["general.name"]}
for k, v in want.items(): assert str(pi.get(k)) == str(v), (k, pi.get(k), v)
assert float(pi["f_norm_rms_eps"]) == f32(m["llama.attention.layer_norm_rms_epsilon"]) or abs(float(pi["f_norm_rms_eps"]) - 1e-5) < 1e-9
assert float(pi["freq_base_train"]) == m["llama.rope.freq_base"]
params = sum(eval("*".join(map(str, t["dims"]))) for t in h["tensors"])
assert mod["totalParameters"] == params, (mod["totalParameters"], params)
assert mod["trainContextSize"] == m["llama.context_length"] and mod["embeddingVectorSize"] == m["llama.embedding_length"]
assert mod["vocabularyType"] == "bpe" and mod["bos"] == 1 and mod["eos"] == 2 and mod["addBos"] is True
assert l["warnings"] == [], l["warnings"]
' "$base"
  compare "$name: llama.cpp tokenises and generates" '
vocab = h["metadata"]["tokenizer.ggml.tokens"]; n = len(vocab); tokens = int(sys.argv[4]); prompt = sys.argv[5]
r0, r1 = l["runs"]
assert r0["prompt"] == prompt and r0["inputIds"] == [1] + r0["tokens"] and r1["inputIds"] == [1]
# the byte-level BPE round trip: the pieces of the prompt tokens spell the prompt (Ġ = space)
bytemap = {}
cs = [b for b in range(256) if 33 <= b <= 126 or 161 <= b <= 172 or b >= 174]; k = 0
for b in range(256):
    if b in cs: bytemap[chr(b)] = b
    else: bytemap[chr(256 + k)] = b; k += 1
text = bytes(bytemap[c] for t in r0["tokens"] for c in vocab[t]).decode()
assert text == prompt, (text, prompt)
assert len(r0["tokens"]) < len(prompt.encode()), "no merge was applied"
for r in (r0, r1):
    assert len(r["generated"]) == tokens and all(0 <= t < n for t in r["generated"]), r["generated"]
    for s in r.get("steps", []): assert s["p"] >= s["pRunnerUp"] and 0 < s["p"] <= 1
assert sys.argv[3].endswith("/f32") == ("steps" in r0)
' "$base" "$tokens" "$prompt"
  echo "ok $name: llama.cpp $(python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); r=l["runs"][0]; print(l["runtime"]["llamaCppRelease"], l["printInfo"]["file type"], "prompt", len(r["inputIds"]), "tokens, greedy", r["generated"][:6], "...")' "$base.llama.json")"
done

# ---- a truncated file: every reader says no, none crashes ------------------------------------------------------
if [ -f "$work/q4_0.gguf" ]; then
  head -c 20000 "$work/q4_0.gguf" >"$work/trunc.gguf"
  "$gj" "$work/trunc.gguf" >/dev/null 2>"$work/err" && fail "Huginn's reader accepted a truncated file"
  grep -q "HGN-0101" "$work/err" || fail "Huginn's reader, truncated: $(cat "$work/err")"
  node "$interop/llamaCheck.mjs" "$work/trunc.gguf" >/dev/null 2>"$work/err"
  [ $? -eq 1 ] || fail "llama.cpp on a truncated file: $(cat "$work/err")"
fi

# ---- the bundled fixture: llama.cpp's greedy tokens equal PyTorch's (F32) and the recorded ones (all variants) -----
if [ -f "$src/tests/data/fixture/llamaCppReference.json" ] && [ -x "$HGN_BINARY_DIR/ggufConvert" ]; then
  node "$interop/fixtureReference.mjs" --build "$HGN_BINARY_DIR" --check 2>"$work/err" ||
    fail "fixture: $(cat "$work/err")"
fi

if [ $failures -ne 0 ]; then
  echo "llamaInterop: $failures failure(s)" >&2
  exit 1
fi
echo "llamaInterop: all checks passed"
