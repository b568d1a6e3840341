#!/usr/bin/env bash
# inspect.sh — `huginn inspect` on every format: a tiny Llama as GGUF, as a
# safetensors file, a sharded checkpoint (index), an HF folder and a hub
# cache folder, an ONNX model; the --json keys and --tensors table; and bad
# files with their exit status and HGN code (truncated GGUF, bad magic,
# mis-shaped tensor, tokenizer of the wrong size, unsupported architecture).
set -u
: "${HUGINN:?HUGINN must point at the huginn binary}"
HUGINN=$(cd "$(dirname "$HUGINN")" && pwd)/$(basename "$HUGINN")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/xdg
unset HUGINN_PROFILE
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

expectExit() {
  local want=$1; shift
  "$HUGINN" "$@" >"$work/out" 2>"$work/err"
  local got=$?
  out=$(cat "$work/out"); err=$(cat "$work/err")
  [ "$got" -eq "$want" ] || fail "huginn $* exited $got, expected $want (stderr: $err)"
}
contains() { case "$1" in *"$2"*) ;; *) fail "$3: expected to contain '$2', got: $1" ;; esac; }
# jsonCheck PYTHON_EXPR WHAT — evaluates an assertion on the JSON document d in $out.
jsonCheck() {
  printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert eval(sys.argv[1]), sys.argv[1]' "$1" 2>"$work/pyerr" \
    || fail "$2: $(tail -1 "$work/pyerr")"
}

# ---- fixtures (Python's struct/json: independent of Huginn's writers) ----
python3 - <<'PY'
import json, os, struct
L, D, H, KV, HD, FF, V = 2, 64, 4, 2, 16, 128, 256
def hf_tensors(kshape=None):
    t = [("model.embed_tokens.weight", [V, D])]
    for l in range(L):
        p = "model.layers.%d." % l
        t += [(p + "input_layernorm.weight", [D]), (p + "self_attn.q_proj.weight", [H * HD, D]),
              (p + "self_attn.k_proj.weight", (kshape if l == 1 else None) or [KV * HD, D]), (p + "self_attn.v_proj.weight", [KV * HD, D]),
              (p + "self_attn.o_proj.weight", [D, H * HD]), (p + "post_attention_layernorm.weight", [D]),
              (p + "mlp.gate_proj.weight", [FF, D]), (p + "mlp.up_proj.weight", [FF, D]),
              (p + "mlp.down_proj.weight", [D, FF])]
    return t + [("model.norm.weight", [D]), ("lm_head.weight", [V, D])]
def safetensors(path, tensors):
    hdr, off = {"__metadata__": {"format": "pt"}}, 0
    for name, shape in tensors:
        n = 2
        for s in shape: n *= s
        hdr[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [off, off + n]}
        off += n
    h = json.dumps(hdr).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        f.truncate(8 + len(h) + off)
    return off
config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": D, "intermediate_size": FF,
          "num_hidden_layers": L, "num_attention_heads": H, "num_key_value_heads": KV, "vocab_size": V,
          "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16"}
def tokenizer(path, n):
    vocab = {"t%d" % i: i for i in range(n - 2)}
    json.dump({"added_tokens": [{"id": n - 2, "content": "<s>"}, {"id": n - 1, "content": "</s>"}],
               "model": {"type": "BPE", "vocab": vocab, "merges": []}}, open(path, "w"))
def folder(d, tensors=None, tok=V, cfg=config):
    os.makedirs(d, exist_ok=True)
    json.dump(cfg, open(d + "/config.json", "w"))
    safetensors(d + "/model.safetensors", tensors or hf_tensors())
    if tok: tokenizer(d + "/tokenizer.json", tok)
folder("hf")
folder("badshape", hf_tensors(kshape=[48, D]))
folder("badtok", tok=V + 7)
folder("notok", tok=0)
folder("bert", cfg=dict(config, architectures=["BertModel"], model_type="bert"))
# sharded checkpoint: two shards + index
os.makedirs("sharded")
t = hf_tensors()
idx, total = {}, 0
for i, part in enumerate([t[:10], t[10:]]):
    name = "model-%05d-of-00002.safetensors" % (i + 1)
    total += safetensors("sharded/" + name, part)
    idx.update({n: name for n, _ in part})
json.dump({"metadata": {"total_size": total}, "weight_map": idx}, open("sharded/model.safetensors.index.json", "w"))
json.dump(config, open("sharded/config.json", "w"))
tokenizer("sharded/tokenizer.json", V)
# hub cache: models--org--tiny/{refs/main, snapshots/REV/}
rev = "0123456789abcdef0123456789abcdef01234567"
folder("hub/models--org--tiny/snapshots/" + rev)
os.makedirs("hub/models--org--tiny/refs")
open("hub/models--org--tiny/refs/main", "w").write(rev)
# GGUF v3 (llama.cpp names, F16/F32 holes)
def gstr(s): b = s.encode(); return struct.pack("<Q", len(b)) + b
def gguf(path, arch="llama", truncate=None):
    kv = [("general.architecture", 8, gstr(arch)), ("general.name", 8, gstr("tiny"))]
    for k, v in [("context_length", 4096), ("embedding_length", D), ("block_count", L), ("feed_forward_length", FF),
                 ("attention.head_count", H), ("attention.head_count_kv", KV), ("rope.dimension_count", HD)]:
        kv.append((arch + "." + k, 4, struct.pack("<I", v)))
    kv.append((arch + ".attention.layer_norm_rms_epsilon", 6, struct.pack("<f", 1e-5)))
    kv.append(("tokenizer.ggml.model", 8, gstr("gpt2")))
    kv.append(("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, V) + b"".join(gstr("t%d" % i) for i in range(V))))
    ts = [("token_embd.weight", [V, D], 1)]
    for l in range(L):
        p = "blk.%d." % l
        ts += [(p + "attn_norm.weight", [D], 0), (p + "attn_q.weight", [H * HD, D], 1), (p + "attn_k.weight", [KV * HD, D], 1),
               (p + "attn_v.weight", [KV * HD, D], 1), (p + "attn_output.weight", [D, H * HD], 1),
               (p + "ffn_norm.weight", [D], 0), (p + "ffn_gate.weight", [FF, D], 1), (p + "ffn_up.weight", [FF, D], 1),
               (p + "ffn_down.weight", [D, FF], 1)]
    ts += [("output_norm.weight", [D], 0), ("output.weight", [V, D], 1)]
    out = b"GGUF" + struct.pack("<IQQ", 3, len(ts), len(kv))
    for k, t_, v in kv: out += gstr(k) + struct.pack("<I", t_) + v
    off = 0
    for n, shape, ty in ts:
        out += gstr(n) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", s) for s in reversed(shape))
        out += struct.pack("<IQ", ty, off)
        size = (4 if ty == 0 else 2)
        for s in shape: size *= s
        off += size + (-size % 32)
    out += b"\0" * (-len(out) % 32)
    with open(path, "wb") as f:
        f.write(out)
        f.truncate(len(out) + off if truncate is None else truncate)
gguf("tiny.gguf")
gguf("bert.gguf", arch="bert")
gguf("trunc.gguf", truncate=2000)
# ONNX: Gemm(x[N,4], W[3,4] initializer, transB=1) → Relu → y, protobuf wire format by hand
def varint(n):
    b = b""
    while True:
        c = n & 0x7f; n >>= 7
        if n: b += bytes([c | 0x80])
        else: return b + bytes([c])
def fld(num, payload): return varint(num << 3 | 2) + varint(len(payload)) + payload
def fint(num, v): return varint(num << 3) + varint(v)
def vi(name, dims):
    shape = b"".join(fld(1, fint(1, d) if isinstance(d, int) else fld(2, d.encode())) for d in dims)
    return fld(1, name.encode()) + fld(2, fld(1, fint(1, 1) + fld(2, shape)))
init = fint(1, 3) + fint(1, 4) + fint(2, 1) + fld(8, b"W") + fld(9, b"\0" * 48)
gemm = fld(1, b"x") + fld(1, b"W") + fld(2, b"h") + fld(4, b"Gemm") + fld(5, fld(1, b"transB") + fint(3, 1) + fint(20, 2))
relu = fld(1, b"h") + fld(2, b"y") + fld(4, b"Relu")
graph = fld(1, gemm) + fld(1, relu) + fld(2, b"g") + fld(5, init) + fld(11, vi("x", ["N", 4])) + fld(12, vi("y", ["N", 3]))
open("tiny.onnx", "wb").write(fint(1, 7) + fld(7, graph) + fld(8, fint(2, 13)))
open("garbage.bin", "wb").write(b"\x01\x02not a model at all\n")
PY

# ---- GGUF ----
expectExit 0 inspect tiny.gguf
contains "$out" "gguf v3" "gguf format"
contains "$out" "llama (family llama)" "gguf architecture"
contains "$out" "gguf (gpt2), 256 tokens" "gguf tokenizer"
contains "$out" "2 layers, 35 nodes" "gguf IR"
contains "$out" "logits f32 [seq,256]" "gguf outputs"
expectExit 0 inspect tiny.gguf --json
jsonCheck 'd["format"]=="gguf" and d["architecture"]=="llama" and d["parameters"]==2*256*64+2*(2*64+64*64*2+32*64*2+128*64*3)+64' "gguf json parameters"
jsonCheck 'd["totalBytes"]==sum(t["bytes"] for t in d["tensors"]) and len(d["tensors"])==21' "gguf json totalBytes"
jsonCheck 'd["tensors"][1]=={"name":"blk.0.attn_norm.weight","dtype":"f32","shape":[64],"bytes":256,"offset":d["tensors"][1]["offset"]}' "gguf tensor row"
jsonCheck 'd["inputs"]==[{"name":"tokens","dtype":"i32","shape":["seq"]},{"name":"positions","dtype":"i32","shape":["seq"]}]' "gguf inputs"
jsonCheck 'd["outputs"]==[{"name":"logits","dtype":"f32","shape":["seq",256]}]' "gguf outputs json"
jsonCheck 'd["ir"]["layers"]==2 and {o["op"]:o["count"] for o in d["ir"]["ops"]}["matmul"]==15 and len(d["ir"]["digest"])==64' "gguf ir json"
jsonCheck 'd["dtypes"]["f32"]["tensors"]==5 and d["tokenizer"]["size"]==256' "gguf dtype histogram"
expectExit 0 inspect tiny.gguf --tensors
contains "$out" "blk.1.ffn_down.weight" "gguf --tensors"
contains "$out" "[64,128]" "gguf --tensors shape"

# ---- safetensors: file, index, folder, hub cache ----
for m in hf/model.safetensors sharded/model.safetensors.index.json hf hub/models--org--tiny; do
  expectExit 0 inspect "$m" --json
  jsonCheck 'd["architecture"]=="LlamaForCausalLM" and d["parameters"]==2*256*64+2*(2*64+64*64*2+32*64*2+128*64*3)+64' "$m parameters"
  jsonCheck 'd["totalBytes"]==2*d["parameters"] and d["dtypes"]["bf16"]["tensors"]==21' "$m bytes"
  jsonCheck 'd["ir"]["nodes"]==35 and d["ir"]["weights"]==21 and d["tokenizer"]["kind"]=="tokenizer.json" and d["tokenizer"]["size"]==256' "$m ir"
  jsonCheck 'd["outputs"][0]["shape"]==["seq",256] and d["warnings"]==[]' "$m outputs"
done
expectExit 0 inspect sharded/model.safetensors.index.json --json
jsonCheck 'd["format"]=="safetensors-index" and d["files"]==2 and {t["file"] for t in d["tensors"]}=={"model-00001-of-00002.safetensors","model-00002-of-00002.safetensors"}' "sharded files"
expectExit 0 inspect hub/models--org--tiny
contains "$out" "hub-cache" "hub format"
contains "$out" "tokenizer.json (BPE), 256 tokens" "hub tokenizer"
expectExit 0 inspect notok
contains "$out" "warning: HGN-0108" "no tokenizer warns"

# ---- ONNX ----
expectExit 0 inspect tiny.onnx --json
jsonCheck 'd["format"]=="onnx" and d["parameters"]==12 and d["totalBytes"]==48' "onnx tensors"
jsonCheck 'd["outputs"]==[{"name":"y","dtype":"f32","shape":["N",3]}] and d["inputs"][0]["shape"]==["N",4]' "onnx shapes"
jsonCheck '{o["op"] for o in d["ir"]["ops"]}=={"Gemm","Relu"}' "onnx ops"
expectExit 0 inspect tiny.onnx --tensors
contains "$out" "W" "onnx tensor table"

# ---- bad files ----
expectExit 4 inspect trunc.gguf --json
jsonCheck 'd["error"]["code"]=="HGN-0101"' "truncated gguf"
expectExit 4 inspect garbage.bin
contains "$err" "HGN-0102" "bad magic"
expectExit 6 inspect nosuch.gguf
contains "$err" "HGN-0014" "missing file"
expectExit 4 inspect badshape
contains "$err" "HGN-0107" "mis-shaped tensor"
contains "$err" "model.safetensors:tensor 'model.layers.1.self_attn.k_proj.weight'" "mis-shaped tensor name"
contains "$err" "expected [32, 64]" "mis-shaped expected"
expectExit 4 inspect badtok --json
jsonCheck 'd["error"]["code"]=="HGN-0108" and "263 tokens" in d["error"]["message"]' "tokenizer mismatch"
expectExit 0 inspect bert --json
jsonCheck 'd["ir"] is None and "HGN-0104" in d["warnings"][0] and "BertModel" in d["warnings"][0]' "unsupported arch (folder)"
expectExit 0 inspect bert.gguf
contains "$out" "HGN-0104" "unsupported arch (gguf)"
contains "$out" "'bert'" "unsupported arch names it"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "inspect: all checks passed"
