#!/usr/bin/env python3
"""makeFormatsCorpus.py — writes the seed corpora of fuzzGguf, fuzzSafetensors
and fuzzHfConfig (tests/fuzz/corpus/<target>/). Run from the repo root; the
outputs are committed, this script is kept to regenerate them."""
import json, os, struct

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def out(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---- GGUF ----
def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def kv(key, t, payload):
    return gstr(key) + struct.pack("<I", t) + payload


def gguf(version, kvs, tensors, align=32):
    """tensors: (name, ne list, ggml type, nbytes)"""
    h = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs)) + b"".join(kvs)
    off, infos, datas = 0, b"", b""
    for name, ne, t, nb in tensors:
        infos += gstr(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", x) for x in ne)
        infos += struct.pack("<IQ", t, off)
        pad = (align - nb % align) % align
        datas += bytes((i * 7) & 0xFF for i in range(nb)) + b"\0" * pad
        off += nb + pad
    h += infos
    h += b"\0" * ((align - len(h) % align) % align)
    return h + datas


kvs = [
    kv("general.architecture", 8, gstr("llama")),
    kv("llama.block_count", 4, struct.pack("<I", 2)),
    kv("llama.attention.layer_norm_rms_epsilon", 6, struct.pack("<f", 1e-5)),
    kv("general.flag", 7, b"\1"),
    kv("t.i8", 1, b"\xfe"), kv("t.u16", 2, b"\1\2"), kv("t.i16", 3, b"\1\2"), kv("t.i32", 5, b"\1\2\3\4"),
    kv("t.u64", 10, struct.pack("<Q", 5)), kv("t.i64", 11, struct.pack("<q", -5)),
    kv("t.f64", 12, struct.pack("<d", 2.5)), kv("t.u8", 0, b"\7"),
    kv("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 3) + gstr("<s>") + gstr("a") + gstr("")),
    kv("tokenizer.ggml.scores", 9, struct.pack("<IQ", 6, 2) + struct.pack("<ff", 0.5, -1)),
    kv("t.nested", 9, struct.pack("<IQ", 9, 2) + struct.pack("<IQ", 4, 1) + struct.pack("<I", 9)
       + struct.pack("<IQ", 8, 1) + gstr("x")),
]
tensors = [("token_embd.weight", [32, 4], 2, 4 * 18), ("blk.0.attn_norm.weight", [32], 0, 128),
           ("blk.0.ffn_down.weight", [256, 2], 12, 2 * 144), ("output.weight", [32, 2], 8, 2 * 34)]
out("fuzzGguf", "valid-v3", gguf(3, kvs, tensors))
out("fuzzGguf", "valid-v2", gguf(2, kvs[:3], tensors[:2]))
out("fuzzGguf", "align64", gguf(3, [kv("general.alignment", 4, struct.pack("<I", 64))] + kvs[:2], tensors, 64))
out("fuzzGguf", "empty", gguf(3, [], []))
out("fuzzGguf", "all-types", gguf(3, [], [("t%d" % t, [256], t, bs) for t, bs in
                                         [(1, 512), (3, 160), (6, 176), (7, 192), (9, 288), (10, 84), (11, 110),
                                          (13, 176), (14, 210), (15, 292), (16, 66), (17, 74), (18, 98), (19, 50),
                                          (20, 144), (21, 110), (22, 82), (23, 136), (24, 256), (25, 512),
                                          (26, 1024), (27, 2048), (28, 2048), (29, 56), (30, 512), (34, 54),
                                          (35, 66), (39, 136)]]))
out("fuzzGguf", "bad-type", gguf(3, [], [("x", [32], 31, 128)]))
out("fuzzGguf", "v1", b"GGUF" + struct.pack("<III", 1, 0, 0))

# ---- safetensors ----
def st(entries, meta=None, pad=True):
    hdr, off, data = {}, 0, b""
    if meta is not None:
        hdr["__metadata__"] = meta
    for name, dt, shape, size in entries:
        hdr[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + size]}
        data += bytes((i * 3) & 0xFF for i in range(size))
        off += size
    j = json.dumps(hdr, separators=(",", ":")).encode()
    if pad:
        j += b" " * ((8 - len(j) % 8) % 8)
    return struct.pack("<Q", len(j)) + j + data


out("fuzzSafetensors", "valid", st([("model.embed_tokens.weight", "BF16", [4, 8], 64),
                                    ("model.norm.weight", "F32", [8], 32), ("mask", "BOOL", [3], 3)],
                                   {"format": "pt"}))
out("fuzzSafetensors", "dtypes", st([(d, d, [2, 4], s) for d, s in
                                     [("F64", 64), ("F32", 32), ("F16", 16), ("BF16", 16), ("I64", 64), ("I32", 32),
                                      ("I16", 16), ("I8", 8), ("U8", 8), ("U16", 16), ("U32", 32), ("U64", 64),
                                      ("F8_E4M3", 8), ("F8_E5M2", 8), ("F8_E8M0", 8), ("F4", 4), ("F6_E2M3", 6),
                                      ("F6_E3M2", 6), ("C64", 64), ("BOOL", 8)]]))
out("fuzzSafetensors", "empty", st([]))
out("fuzzSafetensors", "scalar", st([("s", "F32", [], 4), ("z", "F16", [0, 3], 0)], pad=False))
out("fuzzSafetensors", "gap", struct.pack("<Q", 58) + b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}    '
    + b"\0" * 8)

# ---- config.json ----
out("fuzzHfConfig", "llama31", json.dumps({
    "architectures": ["LlamaForCausalLM"], "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009],
    "hidden_act": "silu", "hidden_size": 4096, "intermediate_size": 14336, "max_position_embeddings": 131072,
    "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
    "rms_norm_eps": 1e-05, "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                            "original_max_position_embeddings": 8192, "rope_type": "llama3"},
    "rope_theta": 500000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16", "vocab_size": 128256}, indent=2))
out("fuzzHfConfig", "mixtral", json.dumps({
    "architectures": ["MixtralForCausalLM"], "hidden_size": 4096, "intermediate_size": 14336,
    "model_type": "mixtral", "num_attention_heads": 32, "num_experts_per_tok": 2, "num_hidden_layers": 32,
    "num_key_value_heads": 8, "num_local_experts": 8, "rope_theta": 1e6, "sliding_window": None,
    "vocab_size": 32000}))
out("fuzzHfConfig", "qwen2-yarn", json.dumps({
    "model_type": "qwen2", "hidden_size": 896, "num_hidden_layers": 24, "num_attention_heads": 14,
    "num_key_value_heads": 2, "vocab_size": 151936, "use_sliding_window": False, "sliding_window": 131072,
    "rope_scaling": {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}}))
out("fuzzHfConfig", "gpt2", json.dumps({"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12,
                                        "vocab_size": 50257, "layer_norm_epsilon": 1e-5}))
out("fuzzHfConfig", "text-config", json.dumps({"model_type": "mistral3", "text_config": {
    "hidden_size": 5120, "num_hidden_layers": 40, "num_attention_heads": 32, "head_dim": 128,
    "vocab_size": 131072, "rope_scaling": {"rope_type": "linear", "factor": 2}}}))
