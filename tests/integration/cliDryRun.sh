#!/usr/bin/env bash
# cliDryRun.sh — every `huginn` command accepts its full option surface under
# --dry-run: it validates everything, prints what it would do (text, or one
# JSON document with --json), exits 0 and changes nothing on disk.
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

# Fixtures: a GGUF header, a safetensors file and folder, an ONNX name, a plan, a topology, text.
printf 'GGUF\3\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' > model.gguf
python3 -c '
import json, struct
h = json.dumps({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
open("model.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + b"\0\0\0\0")'
mkdir -p st && cp model.safetensors st/ && echo '{"model_type":"llama"}' > st/config.json
printf '\x08\x07' > model.onnx
echo '{"format":"huginn-plan"}' > plan.json
cp plan.json plan2.json
echo '<topology/>' > topo.xml
echo '{"devices":[]}' > hw.json
echo 'lorem ipsum' > calib.txt
echo 'Once upon a time' > prompt.txt
echo 'method = "nf4"' > quant.toml
mkdir -p inputs ckpt

# dry TEXT_NEEDLE ARGS… — huginn ARGS --dry-run must exit 0 and print the needle.
dry() {
  local needle=$1; shift
  local out
  out=$("$HUGINN" "$@" --dry-run 2>"$work/err")
  local rc=$?
  [ $rc -eq 0 ] || { fail "huginn $* --dry-run exited $rc: $(cat "$work/err")"; return; }
  case "$out" in *"dry run: would "*) ;; *) fail "huginn $* --dry-run: no 'dry run: would' line: $out" ;; esac
  case "$out" in *"$needle"*) ;; *) fail "huginn $* --dry-run: expected '$needle' in: $out" ;; esac
  # the same with --json: one document {"dryRun":true,"command":…,"action":…,"arguments":{…}}
  out=$("$HUGINN" --json "$@" --dry-run 2>/dev/null) || { fail "huginn --json $* --dry-run failed"; return; }
  printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["dryRun"] is True and d["action"] and isinstance(d["arguments"], dict), d
assert d["command"] == sys.argv[1], (d["command"], sys.argv[1])
' "$DRY_COMMAND" 2>/dev/null || fail "huginn --json $* --dry-run: bad JSON: $out"
}

DRY_COMMAND=diagnose
dry "probe this host" diagnose
dry "hwloc XML \`topo.xml\`" diagnose --topology-xml topo.xml --nvml-library libnvidia-ml.so.1
DRY_COMMAND="models list"
dry "list the registry's models" models list
dry "fits this machine" models list --fits
DRY_COMMAND="models show"
dry "model \`llama-3.1-8b\`" models show llama-3.1-8b
DRY_COMMAND=inspect
dry "gguf header of \`model.gguf\`" inspect model.gguf --tensors
dry "safetensors header" inspect model.safetensors
dry "safetensors-folder header" inspect st
dry "onnx header" inspect model.onnx
DRY_COMMAND=plan
dry "policy locality-first" plan model.gguf --topology-xml topo.xml --policy locality-first --objective throughput \
  --context 8192 --batch 4 --quant-config quant.toml --reserve gpu:0=2GiB --reserve cpu=512MiB --out p.json
dry "keeping 2GiB free on gpu:0" plan model.gguf --hardware hw.json --reserve=gpu:0=2GiB --dot --out=p.dot
dry "validate plan \`plan.json\`" plan --check plan.json
DRY_COMMAND="plan diff"
dry "compare plans" plan diff plan.json plan2.json
DRY_COMMAND=explain
dry "plan \`plan.json\`" explain plan.json
DRY_COMMAND=execute
dry "seed 7" execute plan.json --prompt 'Hello there' --max-tokens 32 --temperature 0.7 --top-k 40 --top-p 0.9 \
  --min-p 0.05 --repeat-penalty 1.1 --seed 7 --stop '###' --stop '</s>' --threads 2 --outputs out \
  --checkpoint-every 8 --inject device-loss:cpu:1@4
dry "prompt read from prompt.txt" execute plan.json --prompt-file prompt.txt --resume ckpt
dry "inputs from \`inputs\`" execute plan.json --inputs inputs --outputs out
dry "on the server http://127.0.0.1:8080" execute plan.json --prompt hi --server http://127.0.0.1:8080 --follow
DRY_COMMAND=quantize
dry "with gptq to 4 bits, group size 64" quantize model.gguf --method gptq --bits 4 --group-size 64 \
  --calibration calib.txt --out q.gguf
dry "with nf4" quantize st --method nf4 --out q.safetensors
dry "with int8 to 8 bits" quantize model.gguf --method int8 --out q8.gguf
DRY_COMMAND=status
dry "every active job" status
dry "job \`job-1\`, following" status job-1 --follow
DRY_COMMAND=cancel
dry "cancel job \`job-1\`" cancel job-1
DRY_COMMAND=jobs
dry "list every job" jobs --all

# nothing was written by any dry run
for f in p.json p.dot q.gguf q.safetensors q8.gguf out; do
  [ ! -e "$f" ] || fail "a dry run created $f"
done

# global options before and after the command, = forms, repeated -v, --
out=$("$HUGINN" --log-format=json -vv --local cancel job-9 --dry-run --no-color 2>/dev/null) \
  || fail "globals on both sides"
out=$("$HUGINN" --dry-run cancel -- job-9) || fail "-- before a positional"
case "$out" in *"job-9"*) ;; *) fail "-- then job-9: $out" ;; esac

# the JSON arguments are typed
out=$("$HUGINN" --json --dry-run plan model.gguf --context 4096 --reserve gpu:1=1GiB --dot)
printf '%s' "$out" | python3 -c '
import json, sys
a = json.load(sys.stdin)["arguments"]
assert a["model"] == "model.gguf" and a["context"] == 4096 and a["dot"] is True, a
assert a["reserve"] == [{"device": "gpu:1", "bytes": 1073741824}], a
' || fail "typed dry-run arguments: $out"

# dry runs still validate: a bad value fails with the usual exit status
"$HUGINN" --dry-run plan model.gguf --batch 0 2>/dev/null; [ $? -eq 2 ] || fail "dry run did not validate --batch"
"$HUGINN" --dry-run explain missing.json 2>/dev/null; [ $? -eq 6 ] || fail "dry run did not check files"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "cliDryRun: all passed"
