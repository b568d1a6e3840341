#!/usr/bin/env bash
# makeModel.sh — tools/makeModel end to end without llama.cpp: every flag
# check gives its HGN error and exit status, the files it writes for each
# weight type read back through Huginn's GGUF reader (tools/ggufJson) with the
# metadata, tokenizer and tensor table the flags ask for, the same seed gives
# the same bytes, and a failed run leaves no file behind; ggufConvert of the
# F32 model gives exactly the tensor data makeModel writes for each type.
set -u
: "${HGN_BINARY_DIR:?HGN_BINARY_DIR must point at the build tree}"
mm=$HGN_BINARY_DIR/makeModel
gj=$HGN_BINARY_DIR/ggufJson
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check() { # check WHAT FILE PYTHON-STATEMENTS (d = the JSON document)
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); exec(sys.argv[2])' "$2" "$3" "${@:4}" 2>"$work/pyerr" ||
    fail "$1: $(tail -1 "$work/pyerr")"
}

# ---- flag validation: code, flag named, exit status, no output file --------------------------------------
expectError() { # expectError CODE FRAGMENT ARGS…
  local code=$1 frag=$2; shift 2
  "$mm" --out "$work/bad.gguf" "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  [ $rc -eq 2 ] || fail "makeModel $* exited $rc, expected 2"
  grep -q "$code" "$work/err" || fail "makeModel $*: no $code in: $(cat "$work/err")"
  grep -q -- "$frag" "$work/err" || fail "makeModel $*: error does not mention '$frag': $(cat "$work/err")"
  [ ! -e "$work/bad.gguf" ] && [ ! -e "$work/bad.gguf.partial" ] || fail "makeModel $* left a file behind"
}
expectError HGN-0015 "--layers" --layers 0
expectError HGN-0015 "--layers" --layers 5000
expectError HGN-0015 "--dim" --dim 0
expectError HGN-0015 "--heads" --dim 64 --heads 3
expectError HGN-0015 "head size 5" --dim 20 --heads 4
expectError HGN-0015 "--heads" --dim 64 --heads 128
expectError HGN-0015 "--kv-heads" --heads 4 --kv-heads 3
expectError HGN-0015 "--kv-heads" --heads 4 --kv-heads 8
expectError HGN-0015 "--kv-heads" --heads 4 --kv-heads 0
expectError HGN-0015 "--ffn" --ffn 0
expectError HGN-0015 "--vocab" --vocab 259
expectError HGN-0015 "--ctx" --ctx 0
expectError HGN-0015 "multiple of 32" --type q4_0 --dim 80 --heads 4
expectError HGN-0015 "--ffn" --type q8_0 --ffn 100
expectError HGN-0015 "--rope-theta" --rope-theta -1
expectError HGN-0015 "--rms-eps" --rms-eps 0
expectError HGN-0009 "q5_0" --type q5_0
expectError HGN-0009 "--bogus" --bogus 1
expectError HGN-0009 "non-negative integer" --dim -3
expectError HGN-0009 "non-negative integer" --dim 12abc
expectError HGN-0009 "needs a value" --dim
expectError HGN-0015 "too large" --layers 99999999999
"$mm" >/dev/null 2>"$work/err"
[ $? -eq 2 ] && grep -q -- "--out FILE is required" "$work/err" || fail "missing --out: $(cat "$work/err")"
"$mm" --help | grep -q -- "--kv-heads" || fail "--help does not list --kv-heads"
"$mm" --out "$work/nodir/x.gguf" >/dev/null 2>"$work/err"
rc=$?
[ $rc -ne 0 ] && grep -q "HGN-" "$work/err" || fail "unwritable output: exit $rc, $(cat "$work/err")"

# ---- each weight type: Huginn's reader sees what the flags asked for -------------------------------------
for type in f32 f16 q8_0 q4_0; do
  f=$work/m-$type.gguf
  "$mm" --out "$f" --layers 2 --dim 64 --heads 4 --kv-heads 2 --ffn 96 --vocab 300 --ctx 256 --type "$type" \
    --seed 7 >"$work/out" 2>"$work/err" || { fail "makeModel --type $type: $(cat "$work/err")"; continue; }
  grep -q "wrote $f: 21 tensors" "$work/out" || fail "makeModel summary: $(cat "$work/out")"
  "$gj" "$f" >"$work/$type.json" 2>"$work/err" || { fail "Huginn's reader rejects $type: $(cat "$work/err")"; continue; }
  check "metadata $type" "$work/$type.json" '
m = d["metadata"]; t = d["types"]
want = {"general.architecture": "llama", "llama.block_count": 2, "llama.embedding_length": 64,
        "llama.attention.head_count": 4, "llama.attention.head_count_kv": 2, "llama.feed_forward_length": 96,
        "llama.context_length": 256, "llama.vocab_size": 300, "llama.rope.dimension_count": 16,
        "general.file_type": {"f32": 0, "f16": 1, "q8_0": 7, "q4_0": 2}[sys.argv[3]],
        "general.quantization_version": 2, "tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": "gpt-2",
        "tokenizer.ggml.bos_token_id": 1, "tokenizer.ggml.eos_token_id": 2, "tokenizer.ggml.add_bos_token": True,
        "huginn.make_model.seed": 7}
for k, v in want.items(): assert m.get(k) == v, (k, m.get(k), v)
assert abs(m["llama.attention.layer_norm_rms_epsilon"] - 1e-5) < 1e-12 and m["llama.rope.freq_base"] == 10000
assert t["llama.block_count"] == "UINT32" and t["llama.rope.freq_base"] == "FLOAT32"
assert t["tokenizer.ggml.token_type"] == "ARRAY[INT32]" and t["tokenizer.ggml.merges"] == "ARRAY[STRING]"
tok = m["tokenizer.ggml.tokens"]; merges = m["tokenizer.ggml.merges"]; types = m["tokenizer.ggml.token_type"]
assert len(tok) == 300 and len(types) == 300 and len(merges) == 41 and len(set(tok)) == 300
assert tok[:3] == ["<unk>", "<s>", "</s>"] and types[:3] == [3, 3, 3] and set(types[3:]) == {1}
assert tok[3 + 32] == "\u0120" and tok[3 + ord("a")] == "a" and tok[3 + 10] == "\u010a"
for i, mg in enumerate(merges):
    l, r = mg.split(" ")
    assert tok.index(l) < 259 + i and tok.index(r) < 259 + i and tok[259 + i] == l + r, mg
' "$type"
  check "tensors $type" "$work/$type.json" '
q = sys.argv[3]; qid = {"f32": 0, "f16": 1, "q8_0": 8, "q4_0": 2}[q]
names = ["token_embd.weight"] + [f"blk.{l}.{n}.weight" for l in range(2) for n in
         ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"]] \
        + ["output_norm.weight", "output.weight"]
ts = d["tensors"]
assert [x["name"] for x in ts] == names, [x["name"] for x in ts]
dims = {"token_embd": [64, 300], "attn_norm": [64], "attn_q": [64, 64], "attn_k": [64, 32], "attn_v": [64, 32],
        "attn_output": [64, 64], "ffn_norm": [64], "ffn_gate": [64, 96], "ffn_up": [64, 96], "ffn_down": [96, 64],
        "output_norm": [64], "output": [64, 300]}
for x in ts:
    short = x["name"].split(".")[-2]
    assert x["dims"] == dims[short], (x["name"], x["dims"])
    assert x["ggmlType"] == (0 if len(x["dims"]) == 1 else qid), x
    assert x["offset"] % 32 == 0
assert d["version"] == 3 and d["alignment"] == 32 and d["dataOffset"] % 32 == 0
' "$type"
done

# ---- determinism: same flags, same bytes; another seed, other weights, same header ---------------------
"$mm" --out "$work/a.gguf" --type q4_0 --dim 64 --ffn 96 --seed 11 --quiet &&
  "$mm" --out "$work/b.gguf" --type q4_0 --dim 64 --ffn 96 --seed 11 --quiet &&
  "$mm" --out "$work/c.gguf" --type q4_0 --dim 64 --ffn 96 --seed 12 --quiet || fail "determinism runs failed"
cmp -s "$work/a.gguf" "$work/b.gguf" || fail "the same seed gave different files"
cmp -s "$work/a.gguf" "$work/c.gguf" && fail "seeds 11 and 12 gave the same file"
[ "$(stat -c %s "$work/a.gguf")" = "$(stat -c %s "$work/c.gguf")" ] || fail "seed changed the file size"
[ -z "$("$mm" --out "$work/q.gguf" --quiet)" ] || fail "--quiet printed something"

# ---- weights: finite, the requested scale, norms near 1 (F32 file read back with python) -----------------
"$gj" "$work/m-f32.json" >/dev/null 2>&1 && fail "ggufJson accepted a JSON file"
python3 - "$work/m-f32.gguf" "$work/f32.json" <<'PY' 2>"$work/pyerr" || fail "f32 weights: $(tail -1 "$work/pyerr")"
import json, math, struct, sys
d = json.load(open(sys.argv[2])); blob = open(sys.argv[1], "rb").read(); base = d["dataOffset"]
for t in d["tensors"]:
    n = 1
    for x in t["dims"]: n *= x
    vals = struct.unpack_from(f"<{n}f", blob, base + t["offset"])
    assert all(math.isfinite(v) for v in vals), t["name"]
    rms = math.sqrt(sum(v * v for v in vals) / n)
    if len(t["dims"]) == 1: assert all(0.89 < v < 1.11 for v in vals), t["name"]
    elif t["name"] == "token_embd.weight": assert 0.9 < rms < 1.1, (t["name"], rms)
    elif t["name"] == "output.weight": assert abs(rms * math.sqrt(t["dims"][0]) - 4) < 0.4, (t["name"], rms)
    else: assert abs(rms * math.sqrt(t["dims"][0]) - 1) < 0.1, (t["name"], rms)
PY

# ---- ggufConvert: an F32 model converted gives the data makeModel writes for that type directly ------------
gc=$HGN_BINARY_DIR/ggufConvert
for type in f16 q8_0 q4_0; do
  "$gc" "$work/m-f32.gguf" --type "$type" --out "$work/conv-$type.gguf" >"$work/out" 2>"$work/err" ||
    { fail "ggufConvert to $type: $(cat "$work/err")"; continue; }
  grep -q "16 tensors converted to $type" "$work/out" || fail "ggufConvert summary: $(cat "$work/out")"
  "$gj" "$work/conv-$type.gguf" >"$work/conv-$type.json" || { fail "Huginn's reader rejects conv-$type"; continue; }
  python3 - "$work" "$type" <<'PY' 2>"$work/pyerr" || fail "ggufConvert $type: $(tail -1 "$work/pyerr")"
import json, sys
w, t = sys.argv[1], sys.argv[2]
a = json.load(open(f"{w}/conv-{t}.json")); b = json.load(open(f"{w}/{t}.json")); src = json.load(open(f"{w}/f32.json"))
assert a["metadata"]["general.file_type"] == b["metadata"]["general.file_type"]
assert {k: v for k, v in a["metadata"].items() if k != "general.file_type"} == \
       {k: v for k, v in src["metadata"].items() if k != "general.file_type"}, "metadata not copied"
assert [(x["name"], x["type"], x["dims"]) for x in a["tensors"]] == [(x["name"], x["type"], x["dims"]) for x in b["tensors"]]
da = open(f"{w}/conv-{t}.gguf", "rb").read()[a["dataOffset"]:]; db = open(f"{w}/m-{t}.gguf", "rb").read()[b["dataOffset"]:]
assert da == db, "tensor data differs from makeModel --type " + t
PY
done
"$gc" "$work/m-f32.gguf" --type q5_0 --out "$work/x.gguf" >/dev/null 2>"$work/err"
[ $? -eq 2 ] && grep -q "HGN-0009" "$work/err" || fail "ggufConvert --type q5_0: $(cat "$work/err")"
"$gc" "$work/missing.gguf" --type q8_0 --out "$work/x.gguf" >/dev/null 2>"$work/err"
[ $? -eq 6 ] && grep -q "HGN-0014" "$work/err" || fail "ggufConvert of a missing file: $(cat "$work/err")"
"$gc" "$work/m-f32.gguf" --type q8_0 >/dev/null 2>"$work/err"
[ $? -eq 2 ] || fail "ggufConvert without --out: $(cat "$work/err")"
[ ! -e "$work/x.gguf" ] || fail "a failed ggufConvert left a file"

if [ $failures -ne 0 ]; then
  echo "makeModel: $failures failure(s)" >&2
  exit 1
fi
echo "makeModel: all checks passed"
