#!/usr/bin/env bash
# execute.sh — `huginn execute` on the fixture model through a committed plan
# (tests/data/runtime/fixture.plan.json, model path relative to the plan):
# greedy text streamed to stdout and the summary line, --json document, the
# artefacts folder, and bad input: empty / invalid UTF-8 / too long prompts,
# a plan for another model file, a missing or truncated weight file,
# --threads 0 — each a clear HGN error with its exit status, never a crash,
# never a complete-looking artefacts folder.
set -u
: "${HUGINN:?HUGINN must point at the huginn binary}"
: "${HGN_TEST_DATA:?HGN_TEST_DATA must point at tests/data}"
HUGINN=$(cd "$(dirname "$HUGINN")" && pwd)/$(basename "$HUGINN")
DATA=$(cd "$HGN_TEST_DATA" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/xdg
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
run() { # run STATUS ARGS… — stdout in $out, stderr in $err
  local want=$1; shift
  "$HUGINN" "$@" >"$work/out" 2>"$work/err"
  local got=$?
  out=$(cat "$work/out"); err=$(cat "$work/err")
  [ "$got" -eq "$want" ] || fail "huginn $* exited $got, expected $want (stderr: $err)"
  [ "$got" -lt 128 ] || fail "huginn $* crashed (signal $((got - 128)))"
}
contains() { case "$1" in *"$2"*) ;; *) fail "$3: expected to contain '$2', got: $1" ;; esac; }

plan=$DATA/runtime/fixture.plan.json
run 0 execute "$plan" --prompt "what colour is the sky? the sky is" --temperature 0 --max-tokens 12 --threads 2
contains "$out" " blue. there is a blue book in the garden" "greedy text"
contains "$err" "prefill" "summary line"
contains "$err" "decode" "summary line"
contains "$err" "cpu:0 peak" "summary memory"
contains "$err" "vs plan" "summary prediction"
dir=$(ls -d huginn-artifacts/run-* | head -1)
for f in summary.json outputs.jsonl metrics.jsonl trace.json; do
  [ -s "$dir/$f" ] || fail "artefact $f missing"
done
[ "$(wc -l <"$dir/outputs.jsonl")" -eq 12 ] || fail "outputs.jsonl should have one line per token"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["status"]=="complete" and d["generatedTokens"]==12, d' "$dir/summary.json" || fail "summary.json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))["traceEvents"][0]["name"]' "$dir/trace.json" || fail "trace.json"

# --json: one document, same tokens with a seed (sampling reproducible)
run 0 execute "$plan" --prompt "count from three: three," --max-tokens 10 --seed 7 --json
printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert set(d)=={"text","tokens","metrics"} and len(d["tokens"])==10 and d["metrics"]["decodeTokensPerSecond"]>0, d' || fail "--json shape"
first=$out
run 0 execute "$plan" --prompt "count from three: three," --max-tokens 10 --seed 7 --json
a=$(printf '%s' "$first" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"])')
b=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"])')
[ "$a" = "$b" ] || fail "same seed, different tokens: $a vs $b"
# stop strings
run 0 execute "$plan" --prompt "what colour is the sky?" --temperature 0 --stop garden --max-tokens 40 --json
printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert "garden" not in d["text"] and d["metrics"]["stopReason"]=="stop", d' || fail "--stop"

# plans made by `huginn plan` (tests/data/plans, model paths relative to tests/data): one device and two virtual
# CPU devices give the same tokens; the two-device run moves exactly the bytes the plan's transfer predicts
one=$(cd "$DATA" && HUGINN_RUNTIME__ARTIFACTS_DIR=$work/art "$HUGINN" execute plans/fixture-gguf.cpu.json \
  --prompt "count from three: three," --temperature 0 --max-tokens 16 --json) || fail "one-device plan"
two=$(cd "$DATA" && HUGINN_RUNTIME__ARTIFACTS_DIR=$work/art "$HUGINN" execute plans/fixture-gguf.2cpu.json \
  --prompt "count from three: three," --temperature 0 --max-tokens 16 --json) || fail "two-device plan"
st=$(cd "$DATA" && HUGINN_RUNTIME__ARTIFACTS_DIR=$work/art "$HUGINN" execute plans/fixture-safetensors.cpu.json \
  --prompt "count from three: three," --temperature 0 --max-tokens 16 --json) || fail "safetensors plan"
python3 - "$one" "$two" "$st" "$DATA/plans/fixture-gguf.2cpu.json" <<'PY' || fail "multi-device run"
import json, sys
one, two, st = (json.loads(a) for a in sys.argv[1:4])
plan = json.load(open(sys.argv[4]))
assert one["tokens"] == two["tokens"] == st["tokens"], (one["tokens"], two["tokens"], st["tokens"])
m = two["metrics"]
tokens = m["promptTokens"] + m["generatedTokens"] - 1  # the last token is never fed back
want = sum(t["bytesPerStep"] for t in plan["transfers"]) * tokens
assert m["bytesTransferred"] == want, (m["bytesTransferred"], want)
assert len(m["devices"]) == 2 and one["metrics"]["bytesTransferred"] == 0
PY
[ ! -e "$DATA/huginn-artifacts" ] || fail "artefacts written into tests/data"

# a plan that leaves a virtual device empty runs (the empty device needs no memory)
HUGINN_RUNTIME__DEVICES='[{"id":"cpu:0","memoryBytes":1073741824,"threads":1},{"id":"cpu:1","memoryBytes":1073741824,"threads":1}]' \
  "$HUGINN" plan "$DATA/fixture/model-f32.gguf" --out two.json >/dev/null 2>&1 || fail "plan on two virtual devices"
run 0 execute two.json --prompt "what colour is the sky?" --temperature 0 --max-tokens 4 --json
printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["metrics"]["devices"])==2 and d["text"].startswith(" the sky"), d' || fail "empty device"

# bad input
rm -rf huginn-artifacts
run 2 execute "$plan" --prompt "";                     contains "$err" "HGN-0009" "empty prompt"
printf '' >empty.txt
run 4 execute "$plan" --prompt-file empty.txt;         contains "$err" "HGN-0402" "empty prompt file"
contains "$err" "the prompt is empty" "empty prompt file message"
run 4 execute "$plan" --prompt $'ab\xffcd';            contains "$err" "not valid UTF-8" "invalid UTF-8"
contains "$err" "offset 2" "invalid UTF-8 offset"
head -c 3000 /dev/zero | tr '\0' 'a b ' >long.txt
python3 -c 'print("the ball is red. " * 200)' >long.txt
run 4 execute "$plan" --prompt-file long.txt;          contains "$err" "HGN-0402" "prompt too long"
contains "$err" "context holds 256" "prompt too long message"
run 2 execute "$plan" --prompt hi --threads 0;         contains "$err" "--threads" "threads 0"
[ ! -e huginn-artifacts ] || [ -z "$(ls huginn-artifacts)" ] || fail "a refused run left artefacts"

# the plan's model file replaced, truncated, missing
mkdir -p m/runtime m/fixture
cp "$plan" m/runtime/plan.json
cp "$DATA/fixture/model-f32.gguf" m/fixture/model-f32.gguf
run 0 execute m/runtime/plan.json --prompt hi --max-tokens 2
printf 'x' | dd of=m/fixture/model-f32.gguf bs=1 seek=20000 conv=notrunc 2>/dev/null
run 4 execute m/runtime/plan.json --prompt hi;         contains "$err" "HGN-0002" "other model file"
contains "$err" "model-f32.gguf" "digest error names the file"
head -c 100000 "$DATA/fixture/model-f32.gguf" >m/fixture/model-f32.gguf
run 4 execute m/runtime/plan.json --prompt hi;         contains "$err" "HGN-0002" "truncated model file"
rm m/fixture/model-f32.gguf
run 6 execute m/runtime/plan.json --prompt hi;         contains "$err" "HGN-0014" "missing model file"
contains "$err" "model-f32.gguf" "missing file named"
run 8 execute "$DATA/plans/llama-3.1-8b.rtx4090.json" --prompt hi; contains "$err" "only the cpu backend" "GPU plan"
# ONNX plans take tensors (--inputs DIR; onnxExecute.sh), not a prompt
run 2 execute "$DATA/plans/onnx-operator-basic.cpu.json" --prompt hi; contains "$err" "ONNX plan" "ONNX plan"
printf '{"not":"a plan"}' >bad.json
run 4 execute bad.json --prompt hi;                    contains "$err" "HGN-0002" "not a plan"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "execute: all checks passed"
