#!/usr/bin/env python3
"""makeGpt2Data.py — regenerates tests/data/tokenizer/gpt2Bpe.json and gpt2Bpe.jsonl.

Trains a small byte-level BPE (300 merges) on generated text and writes it as a
Hugging Face tokenizer.json (ByteLevel pre-tokenizer and decoder, merges in
string form), then encodes test lines with an independent reference: OpenAI's
GPT-2 encoder.py algorithm (bytes_to_unicode, the published pre-tokenizer regex
run by the Python `regex` module — the engine GPT-2 used — and the
"lowest-rank pair, merge every occurrence" loop). Also encodes the lines with
the Llama 3 pattern for a Split+ByteLevel variant. testTokenizerGpt2Ref.c
checks Huginn against these ids. Needs the Python `regex` module
(Debian: python3-regex) only to regenerate.
"""
import json
import random
import sys
from collections import Counter

import regex

GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
          r"\s*[\r\n]+|\s+(?!\S)|\s+")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


B2U = bytes_to_unicode()


def pieces(text, pattern):
    return ["".join(B2U[b] for b in m.encode("utf-8")) for m in regex.findall(pattern, text)]


def train(text, n_merges):
    words = Counter(tuple(p) for p in pieces(text, GPT2) + pieces(text, LLAMA3))
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = max(pairs, key=lambda p: (pairs[p], p))
        merges.append(best)
        new = Counter()
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new[tuple(out)] += c
        words = new
    return merges


def bpe(token, ranks):
    """encoder.py's Encoder.bpe, returning the list of merged symbols."""
    word = tuple(token)
    while len(word) > 1:
        pairs = set(zip(word, word[1:]))
        bigram = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if bigram not in ranks:
            break
        first, second = bigram
        new, i = [], 0
        while i < len(word):
            try:
                j = word.index(first, i)
            except ValueError:
                new.extend(word[i:])
                break
            new.extend(word[i:j])
            i = j
            if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                new.append(first + second)
                i += 2
            else:
                new.append(word[i])
                i += 1
        word = tuple(new)
    return list(word)


def main(out_dir):
    random.seed(20261129)
    words = ("the quick brown fox jumps over lazy dog it's we're they've I'm you'll he'd hello world "
             "tokenizer merges bytes unicode café naïve 世界 你好 12345 2026 don't can't").split()
    syllables = "ka to ri mu sen dal or ith ing ed er th qu ow ay ie ly tion ment ness".split()
    words += ["".join(random.choice(syllables) for _ in range(random.randint(1, 4))) for _ in range(400)]
    words += ["".join(random.choice(syllables) for _ in range(2)).capitalize() for _ in range(50)]
    words += ["1234567", "2026", "12345", "I'M", "WE'RE", "(word)", "x.", "3.14159"] * 60
    text = "\n".join(" ".join(random.choice(words) for _ in range(random.randint(3, 12))) for _ in range(3000))
    merges = train(text, 300)
    vocab = {B2U[b]: b for b in range(256)}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    vocab["<|endoftext|>"] = len(vocab)
    ranks = {m: i for i, m in enumerate(merges)}
    doc = {
        "version": "1.0",
        "added_tokens": [{"id": vocab["<|endoftext|>"], "content": "<|endoftext|>", "single_word": False,
                          "lstrip": False, "rstrip": False, "normalized": False, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [a + " " + b for a, b in merges]},
    }
    with open(f"{out_dir}/gpt2Bpe.json", "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
    lines = ["the quick brown fox", "It's what we're doing: I'M HERE, you'll see!", "  leading   and trailing   ",
             "numbers 1234567 2026 3.14159", "café naïve résumé 世界你好 🙂👍🏽", "line one\nline two\n\n  indented",
             "tabs\tand\r\nwindows", "e\u0301 combining n\u0303", "don't can't won't shan't", "x"]
    with open(f"{out_dir}/gpt2Bpe.jsonl", "w", encoding="utf-8") as f:
        for line in lines:
            row = {"text": line}
            for name, pat in (("gpt2", GPT2), ("llama3", LLAMA3)):
                row[name] = [vocab[s] for p in pieces(line, pat) for s in bpe(p, ranks)]
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {out_dir}/gpt2Bpe.json ({len(vocab)} tokens, {len(merges)} merges) and gpt2Bpe.jsonl")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/tokenizer")
