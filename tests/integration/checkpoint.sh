#!/usr/bin/env bash
# checkpoint.sh — checkpoint, resume and device loss through `huginn execute`
# on the fixture model with a plan for three virtual CPU devices (made here
# with `huginn plan`; context 512 splits the model over cpu:0 and cpu:1, and
# the plan's fallbacks move a lost device's nodes to the others):
# - a run with --checkpoint-every 4 killed with SIGKILL after random delays,
#   then `--resume` of its artefacts folder, gives exactly the tokens of an
#   uninterrupted run (greedy and seeded sampling; several kill points);
# - a corrupt, truncated or foreign checkpoint is refused (HGN-0002) and left
#   as it was; a folder without one is HGN-0007;
# - --inject drain:cpu:1@step=K and fail:cpu:1@step=K finish with identical
#   tokens, one retry counted (device_lost) and the move in bytesTransferred.
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
tokens() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tokens"])' "$1" 2>/dev/null; }
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }

cat >three.json <<'HW'
{"hardwareVersion": 1, "name": "three virtual CPU devices of 78 MiB",
 "host": {"memory": "8GiB", "profile": "cpu-avx2", "cores": 3},
 "cpus": [{"memory": "78MiB", "threads": 1, "numaNode": 0}, {"memory": "78MiB", "threads": 1, "numaNode": 0},
          {"memory": "78MiB", "threads": 1, "numaNode": 0}]}
HW
"$HUGINN" plan "$DATA/fixture/model-f32.gguf" --hardware three.json --context 512 --reserve cpu:0=0 \
  --reserve cpu:1=0 --reserve cpu:2=0 --out plan.json 2>err || { cat err; fail "plan"; exit 1; }
python3 -c 'import json; p=json.load(open("plan.json")); assert [d["id"] for d in p["devices"] if d.get("nodeRange")] == ["cpu:0","cpu:1"], p["devices"]; assert all(f["feasible"] for f in p["fallbacks"])' \
  || fail "the plan should split over cpu:0 and cpu:1 with feasible fallbacks"

prompt="Once upon a time"
greedy=(--temperature 0)
seeded=(--temperature 1 --top-k 0 --top-p 1 --min-p 0 --seed 11)
common=(--prompt "$prompt" --max-tokens 300 --ignore-eos --threads 1)

for mode in greedy seeded; do
  if [ $mode = greedy ]; then samp=("${greedy[@]}"); else samp=("${seeded[@]}"); fi
  HUGINN_RUNTIME__ARTIFACTS_DIR=$work/ref-$mode "$HUGINN" execute plan.json "${common[@]}" "${samp[@]}" --json \
    >ref-$mode.json 2>err || fail "$mode reference run: $(cat err)"
  ref=$(tokens ref-$mode.json)
  [ "$(field ref-$mode.json 'len(d["tokens"])')" = 300 ] || fail "$mode reference run: 300 tokens expected"

  # killed mid-run at random points (a few tries may land before the first checkpoint or after the end);
  # the delays are fractions of a whole checkpointed run's time on this machine
  t0=$(date +%s.%N)
  HUGINN_RUNTIME__ARTIFACTS_DIR=$work/timed-$mode "$HUGINN" execute plan.json "${common[@]}" "${samp[@]}" \
    --checkpoint-every 4 --json >timed.json 2>err || fail "$mode checkpointed run: $(cat err)"
  span=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$(date +%s.%N)")
  [ "$(tokens timed.json)" = "$ref" ] || fail "$mode: checkpoints change the tokens"
  resumed=0
  for try in $(seq 1 20); do
    [ $resumed -ge 3 ] && break
    base=$work/kill-$mode-$try
    delay=$(python3 -c 'import random,sys; print(round(random.uniform(0.15, 0.95) * float(sys.argv[1]), 4))' "$span")
    HUGINN_RUNTIME__ARTIFACTS_DIR=$base "$HUGINN" execute plan.json "${common[@]}" "${samp[@]}" --checkpoint-every 4 \
      --json >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    dir=$(ls -d "$base"/run-* 2>/dev/null | head -1)
    [ -n "$dir" ] && [ -f "$dir/checkpoint.zst" ] || continue
    [ -f "$dir/summary.json" ] && continue # finished before the kill
    at=$(ls -l "$dir/checkpoint.zst" | awk '{print $5}')
    HUGINN_RUNTIME__ARTIFACTS_DIR=$base/resumed "$HUGINN" execute plan.json --resume "$dir" --checkpoint-every 4 \
      --json >res.json 2>err || { fail "$mode resume after kill at ${delay}s: $(cat err)"; continue; }
    [ "$(tokens res.json)" = "$ref" ] || fail "$mode: resumed run (killed at ${delay}s, checkpoint of $at bytes) differs"
    n=$(field res.json 'd["metrics"]["resumedAt"]')
    [ -n "$n" ] && [ "$n" -gt 0 ] && [ $((n % 4)) = 0 ] || fail "$mode: resumedAt $n is not a checkpoint boundary"
    resumed=$((resumed + 1))
  done
  [ $resumed -ge 3 ] || fail "$mode: only $resumed of 20 kills landed mid-run (a run takes ${span}s)"

  # device loss: drained and failed devices, identical tokens
  for inj in drain:cpu:1@step=37 fail:cpu:1@step=37 fail:cpu:0@step=2; do
    HUGINN_RUNTIME__ARTIFACTS_DIR=$work/inj "$HUGINN" execute plan.json "${common[@]}" "${samp[@]}" --inject $inj \
      --checkpoint-every 8 --json >inj.json 2>err || { fail "$mode --inject $inj: $(cat err)"; continue; }
    [ "$(tokens inj.json)" = "$ref" ] || fail "$mode --inject $inj: tokens differ from the uninterrupted run"
    [ "$(field inj.json 'd["metrics"]["retries"]["device_lost"]')" = 1 ] || fail "$mode --inject $inj: retries"
    grep -q 'reason device_lost' err || fail "$mode --inject $inj: the event is not logged"
    # the event in metrics.jsonl; the weights moved are counted in the transfers
    art=$(field inj.json 'd["metrics"]["artifacts"]')
    moved=$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if "device_lost" in l][0]["movedBytes"])' "$art/metrics.jsonl" 2>/dev/null)
    [ "${moved:-0}" -gt 0 ] || fail "$mode --inject $inj: no device_lost event with movedBytes in metrics.jsonl"
    total=$(field inj.json 'd["metrics"]["bytesTransferred"]')
    base=$(field ref-$mode.json 'd["metrics"]["bytesTransferred"]')
    [ "${total:-0}" -ge $(( ${base:-0} + ${moved:-0} )) ] || fail "$mode --inject $inj: bytesTransferred $total < $base + $moved"
  done
done

# refusals: nothing is overwritten
dir=$(ls -d "$work"/kill-greedy-*/run-* | head -1)
cp "$dir/checkpoint.zst" good.zst
check() { # check WANT-CODE WHAT — resume of $dir must fail with WANT-CODE, checkpoint unchanged
  "$HUGINN" execute "$2" --resume "$dir" --json >out.json 2>err
  grep -q "\"$1\"" out.json || fail "$3: expected $1, got $(cat out.json)"
  cmp -s "$dir/checkpoint.zst" cur.zst || fail "$3: the checkpoint was changed"
}
python3 - "$dir/checkpoint.zst" <<'PY'
import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2] ^= 0x40; open(p,"wb").write(b)
PY
cp "$dir/checkpoint.zst" cur.zst; check HGN-0002 plan.json "corrupt checkpoint"
head -c 100 good.zst >"$dir/checkpoint.zst"; cp "$dir/checkpoint.zst" cur.zst; check HGN-0002 plan.json "truncated"
head -c 20 good.zst >"$dir/checkpoint.zst"; cp "$dir/checkpoint.zst" cur.zst; check HGN-0002 plan.json "header only"
cp good.zst "$dir/checkpoint.zst"; cp good.zst cur.zst
"$HUGINN" plan "$DATA/fixture/model-f32.gguf" --hardware three.json --context 256 --reserve cpu:0=0 \
  --reserve cpu:1=0 --reserve cpu:2=0 --out other.json 2>/dev/null || fail "other plan"
check HGN-0002 other.json "checkpoint of another plan"
grep -q "another plan" out.json || fail "the refusal should say the plan differs: $(cat out.json)"
"$HUGINN" plan "$DATA/fixture/model.safetensors" --hardware three.json --context 512 --reserve cpu:0=0 \
  --reserve cpu:1=0 --reserve cpu:2=0 --out st.json 2>/dev/null || fail "safetensors plan"
check HGN-0002 st.json "checkpoint of another model"
grep -q "another model" out.json || fail "the refusal should say the model differs: $(cat out.json)"
mkdir empty
"$HUGINN" execute plan.json --resume empty --json >out.json 2>err
grep -q '"HGN-0007"' out.json || fail "a folder without a checkpoint: $(cat out.json)"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "checkpoint.sh: ok"
