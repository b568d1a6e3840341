#!/usr/bin/env bash
# makeSpmData.sh — regenerates tests/data/tokenizer/spmBpe.{vocab,jsonl}: a small
# SentencePiece BPE model (byte fallback, identity normalisation, dummy prefix)
# trained by Debian's `sentencepiece` tools on generated text, its vocabulary
# (piece, score), and reference encodings of test lines by spm_encode. The
# committed files are what testTokenizerSpm.c checks Huginn's "llama"
# tokenizer against; the sentencepiece package is needed only to regenerate.
set -euo pipefail
out=${1:-$(dirname "$0")/../../tests/data/tokenizer}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/train.txt" <<'PY'
import random, sys
random.seed(20261129)
words = ("the of and to in is was that for it with as on be at by this had not are but from or have an they which "
         "one you were her all she there would their we him been has when who will more no if out so said what up its "
         "about into than them can only other new some could time these two may then do first any my now such like "
         "our over man me even most made after also did many before must through back years where much your way well "
         "down should because each just those people how too little state good very make world still own see men work "
         "long get here between both life being under never day same another know while last might us great old year "
         "café naïve résumé straße über größe déjà").split()
cjk = "世界你好日本語中文字"
lines = []
for _ in range(6000):
    n = random.randint(3, 14)
    ws = [random.choice(words) for _ in range(n)]
    if random.random() < 0.3: ws[0] = ws[0].capitalize()
    if random.random() < 0.1: ws.append("".join(random.choice(cjk) for _ in range(random.randint(1, 4))))
    if random.random() < 0.2: ws.insert(random.randint(0, len(ws)), str(random.randint(0, 9999)))
    line = " ".join(ws) + random.choice([".", ",", "!", "?", ""])
    if random.random() < 0.05: line = "  " + line
    lines.append(line)
open(sys.argv[1], "w", encoding="utf-8").write("\n".join(lines) + "\n")
PY
spm_train --input="$work/train.txt" --model_prefix="$work/spm" --vocab_size=600 --model_type=bpe \
  --byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false \
  --add_dummy_prefix=true --character_coverage=0.9995 --seed_sentencepiece_size=100000 \
  --num_threads=1 --minloglevel=2 >/dev/null 2>&1
spm_export_vocab --model="$work/spm.model" --output="$out/spmBpe.vocab"
cat > "$work/lines.txt" <<'TXT'
the world is good
  two leading spaces and  double  spaces
Café naïve résumé über größe déjà vu
unseen emoji 🙂👍 and symbols ∑ ≠ ∞
世界你好 mixed 日本語 text
numbers 12345 67 8 and punctuation!?.,;:
ThE wEiRd CaPiTaLs Of ThIs LiNe
tab	separated	words
a
x
TXT
spm_encode --model="$work/spm.model" --output_format=id < "$work/lines.txt" > "$work/ids.txt"
python3 - "$work/lines.txt" "$work/ids.txt" "$out/spmBpe.jsonl" <<'PY'
import json, sys
texts = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
ids = open(sys.argv[2]).read().split("\n")[:-1]
assert len(texts) == len(ids)
with open(sys.argv[3], "w", encoding="utf-8") as f:
    for t, i in zip(texts, ids):
        f.write(json.dumps({"text": t, "ids": [int(x) for x in i.split()]}, ensure_ascii=False) + "\n")
PY
echo "wrote $out/spmBpe.vocab ($(wc -l < "$out/spmBpe.vocab") pieces) and $out/spmBpe.jsonl"
