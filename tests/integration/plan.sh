#!/usr/bin/env bash
# plan.sh — `huginn plan` end to end: registry ids planned from their spec on
# hardware files, the DGX-2 hwloc export and this host; an ONNX model; byte-
# identical re-runs under SOURCE_DATE_EPOCH; `plan --check` on good and
# corrupted plans (exit status and JSON pointer); over-budget and bad input.
set -u
: "${HUGINN:?HUGINN must point at the huginn binary}"
: "${HGN_TEST_DATA:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/xdg XDG_CACHE_HOME=$work/cache SOURCE_DATE_EPOCH=1767225600
unset HUGINN_PROFILE HUGINN_NVML_LIBRARY
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check() { # check WHAT FILE PYTHON-ASSERTION (d is the JSON document)
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); exec(sys.argv[2])' "$2" "$3" 2>"$work/pyerr" ||
    fail "$1: $(tail -1 "$work/pyerr")"
}
hw=$HGN_TEST_DATA/hardware

# a registry id on a hardware file: plan written, summary printed, valid
out=$("$HUGINN" plan llama-3.1-8b --hardware "$hw/rtx4090.json" --context 8192 --out "$work/a.json" 2>"$work/err") ||
  fail "plan exited $?: $(cat "$work/err")"
case "$out" in *"34 nodes on 1 device"*) ;; *) fail "summary: $out" ;; esac
check "8B plan" "$work/a.json" '
h=d["header"]; assert h["createdAt"] == "2026-01-01T00:00:00Z" and h["model"]["source"] == "spec"
assert d["budgets"]["context"] == 8192 and d["budgets"]["contextFixed"] is True
assert all(n["device"] == "gpu:0" for n in d["nodes"]) and d["assertions"]["fits"] is True
assert d["devices"][0]["ledger"]["kvCacheBytes"] == 1 << 30
assert d["devices"][0]["ledger"]["reservedBytes"] == 512 << 20  # planner.reserveBytes'

# same inputs, byte-identical plan
"$HUGINN" plan llama-3.1-8b --hardware "$hw/rtx4090.json" --context 8192 --out "$work/b.json" >/dev/null 2>&1
cmp -s "$work/a.json" "$work/b.json" || fail "re-run is not byte-identical"
"$HUGINN" plan llama-3.1-8b --hardware "$hw/rtx4090.json" --context 8192 >"$work/c.json" 2>/dev/null
cmp -s "$work/a.json" "$work/c.json" || fail "stdout plan differs from --out plan"

# --check: valid, then corrupted with the pointer in the error, exit 4 / 5
"$HUGINN" plan --check "$work/a.json" >"$work/out" 2>&1 || fail "check of a fresh plan failed: $(cat "$work/out")"
grep -q "valid plan" "$work/out" || fail "check output: $(cat "$work/out")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["nodes"][17]["device"]="gpu:9"; json.dump(d,open(sys.argv[2],"w"))' \
  "$work/a.json" "$work/bad.json"
"$HUGINN" plan --check "$work/bad.json" >/dev/null 2>"$work/err"; rc=$?
[ $rc -eq 4 ] || fail "corrupted plan: exit $rc (want 4)"
grep -q "HGN-0002" "$work/err" && grep -q "/nodes/17/device" "$work/err" && grep -q "gpu:9" "$work/err" ||
  fail "corrupted plan error: $(cat "$work/err")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["devices"][0]["ledger"]["weightsBytes"]+=1<<40; json.dump(d,open(sys.argv[2],"w"))' \
  "$work/a.json" "$work/over.json"
"$HUGINN" plan --check "$work/over.json" >/dev/null 2>"$work/err"; rc=$?
[ $rc -eq 5 ] || fail "over-budget plan: exit $rc (want 5)"
grep -q "HGN-0003" "$work/err" || fail "over-budget error: $(cat "$work/err")"
"$HUGINN" --json plan --check "$work/a.json" >"$work/check.json" || fail "check --json"
check "check json" "$work/check.json" 'assert d["valid"] is True and d["nodes"] == 34'

# 70B on 2 x 24 GB + 64 GB + NVMe: spills, says so
out=$("$HUGINN" plan llama-3.1-70b --hardware "$hw/twoGpus64gNvme.json" --out "$work/70b.json" 2>&1) || fail "70B: $out"
case "$out" in *"spill to disk"*) ;; *) fail "70B summary: $out" ;; esac
check "70B plan" "$work/70b.json" '
assert d["budgets"]["spilledBytes"] > 0 and any(n["tier"] == "disk" for n in d["nodes"])
assert [t["link"] for t in d["transfers"]] == ["nvlink", "pcie"]'

# --reserve is in the ledger
"$HUGINN" plan llama-3.1-8b --hardware "$hw/rtx4090.json" --reserve gpu:0=2GiB --out "$work/r.json" >/dev/null 2>&1 ||
  fail "plan with --reserve"
check "reserve" "$work/r.json" 'assert d["devices"][0]["ledger"]["reservedBytes"] == 2 << 30'
printf '[planner]\nreserveBytes = 0\n[planner.reserve]\n"gpu:0" = 1073741824\n' >"$work/res.toml"
"$HUGINN" --config "$work/res.toml" plan llama-3.1-8b --hardware "$hw/rtx4090.json" --out "$work/r2.json" >/dev/null \
  2>"$work/err" || fail "plan with a reserve config: $(cat "$work/err")"
check "reserve config" "$work/r2.json" '
assert [x["ledger"]["reservedBytes"] for x in d["devices"]] == [1 << 30, 0]'
"$HUGINN" plan llama-3.1-8b --hardware "$hw/rtx4090.json" --reserve gpu:3=1GiB --out "$work/x.json" 2>"$work/err"
[ $? -eq 5 ] && grep -q "gpu:3" "$work/err" || fail "reserve on a missing device: $(cat "$work/err")"

# the DGX-2 export, throughput-max
"$HUGINN" plan llama-3.1-405b --topology-xml "$HGN_TEST_DATA/topologies/nvidiaDGX2.xml" --policy throughput-max \
  --out "$work/405b.json" >/dev/null 2>"$work/err" || fail "405B on DGX-2: $(cat "$work/err")"
check "405B plan" "$work/405b.json" '
assert len(d["devices"]) == 17 and d["header"]["objective"] == "throughput"
assert sum(1 for x in d["devices"] if x["kind"] == "gpu" and x["nodeRange"]) == 16'

# a user-fixed context that cannot fit: HGN-0003 with the smallest change, exit 5
"$HUGINN" plan llama-3.1-70b --hardware "$hw/gpu6plus24.json" --context 131072 --batch 4 --out "$work/no.json" \
  2>"$work/err"; rc=$?
[ $rc -eq 5 ] || fail "impossible fixed context: exit $rc"
grep -q "HGN-0003" "$work/err" && grep -q "does not fit" "$work/err" || fail "over budget error: $(cat "$work/err")"
[ ! -e "$work/no.json" ] || fail "a plan was written although it does not fit"

# an ONNX model on this host
onnx=/usr/share/libonnx-testdata/data/pytorch-operator/test_operator_basic/model.onnx
if [ -f "$onnx" ]; then
  "$HUGINN" plan "$onnx" --out "$work/onnx.json" >/dev/null 2>"$work/err" || fail "onnx plan: $(cat "$work/err")"
  sum=$(sha256sum "$onnx" | cut -d' ' -f1)
  check "onnx plan" "$work/onnx.json" 'assert d["header"]["model"]["source"] == "onnx" and len(d["nodes"]) >= 1
assert d["header"]["model"]["fileDigests"] == ["sha256:'"$sum"'"], d["header"]["model"]["fileDigests"]'
fi

# this host (live topology), CPU-only or not: a valid plan
"$HUGINN" plan qwen2.5-0.5b --out "$work/live.json" >/dev/null 2>"$work/err" || fail "live plan: $(cat "$work/err")"
"$HUGINN" plan --check "$work/live.json" >/dev/null 2>&1 || fail "live plan does not check"

# bad input
"$HUGINN" plan no-such-model --hardware "$hw/rtx4090.json" 2>"$work/err"; rc=$?
[ $rc -eq 6 ] && grep -q "HGN-0014" "$work/err" || fail "unknown model: exit $rc $(cat "$work/err")"
printf '{"hardwareVersion":1,"host":{"memory":"lots"}}' >"$work/hw.json"
"$HUGINN" plan llama-3.1-8b --hardware "$work/hw.json" 2>"$work/err"; rc=$?
[ $rc -eq 4 ] && grep -q "HGN-0201" "$work/err" && grep -q "/host/memory" "$work/err" || fail "bad hardware: $(cat "$work/err")"
printf 'GGUF\3\0\0\0' >"$work/m.gguf"
"$HUGINN" plan "$work/m.gguf" --hardware "$hw/rtx4090.json" 2>"$work/err"; rc=$?
[ $rc -eq 4 ] && grep -q "HGN-0101" "$work/err" || fail "truncated gguf: exit $rc $(cat "$work/err")"
echo '{' >"$work/broken.json"
"$HUGINN" plan --check "$work/broken.json" 2>"$work/err"; rc=$?
[ $rc -eq 4 ] && grep -q "HGN-0600" "$work/err" || fail "broken json: exit $rc $(cat "$work/err")"


# ---- local LLM files: the fixture model ----
fx=$HGN_TEST_DATA/fixture
cd "$work" || exit 1
"$HUGINN" plan "$fx/model-f32.gguf" --hardware "$hw/cpuOnly.json" --out plan.json --dot >"$work/out" 2>"$work/err" ||
  fail "fixture gguf plan: $(cat "$work/err")"
case "$(cat "$work/out")" in *"6 nodes on 1 device, context 512"*) ;; *) fail "fixture summary: $(cat "$work/out")" ;; esac
[ -f plan.summary.json ] && [ -f plan.dot ] || fail "plan.summary.json / plan.dot not written beside plan.json"
check "fixture plan" plan.json '
h=d["header"]["model"]; assert h["source"] == "gguf" and h["weights"] == "f32" and h["kvCache"] == "f16"
assert len(h["fileDigests"]) == 1 and d["budgets"]["context"] == 512  # maxContext of the model
n=d["nodes"]; assert [x["id"] for x in n] == ["token_embd","blk.0","blk.1","blk.2","blk.3","output"]
assert all(len(x["graphNodes"]) == 16 for x in n[1:5]) and n[1]["graphNodes"][0] == "l0.attnNorm"
assert sum(x["bytes"] for x in n) == 853120*4 + 512*128*4  # the tied head holds a copy of token_embd'
check "fixture summary" plan.summary.json '
t=d["totals"]; assert t["devicesUsed"] == 1 and t["weightsBytes"] == 853120*4 + 512*128*4
assert d["devices"][0]["layers"] == 4 and d["predicted"]["decodeTokensPerSecond"] > 0
assert d["bottleneck"]["device"] == "cpu:0"'
grep -q 'cluster_dev0' plan.dot || fail "plan.dot has no device cluster"
if command -v dot >/dev/null 2>&1; then
  dot -Tsvg plan.dot -o plan.svg 2>"$work/err" && grep -q '<svg' plan.svg || fail "dot cannot render plan.dot: $(cat "$work/err")"
else
  echo "plan.sh: skipping the Graphviz rendering check: \`dot\` is not installed (Debian package graphviz)"
fi
"$HUGINN" plan "$fx/model-f32.gguf" --hardware "$hw/cpuOnly.json" --out - --dot >stdout.dot 2>/dev/null
head -1 stdout.dot | grep -q '^digraph plan' || fail "--dot to stdout is not DOT"

# the safetensors folder and file; two virtual CPU devices split the layers, the cut labelled in plan.dot
"$HUGINN" plan "$fx" --hardware "$hw/cpuOnly.json" --out st.json >/dev/null 2>"$work/err" || fail "folder plan: $(cat "$work/err")"
check "safetensors plan" st.json 'assert d["header"]["model"]["source"] == "safetensors" and len(d["nodes"]) == 6'
"$HUGINN" plan "$fx/model.safetensors" --hardware "$hw/twoCpus.json" --reserve cpu:0=0 --reserve cpu:1=0 --out two.json --dot \
  >/dev/null 2>"$work/err" || fail "two-cpu plan: $(cat "$work/err")"
check "two cpus" two.json '
r=[x for x in d["devices"] if "nodeRange" in x]; assert [x["id"] for x in r] == ["cpu:0","cpu:1"], r
assert d["transfers"][0]["link"] == "memory" and d["budgets"]["hostMemoryBytes"] == 2*78*2**20'
grep -q 'B/step memory' two.dot || fail "two.dot has no labelled transfer edge"
"$HUGINN" plan --check two.json >/dev/null 2>&1 || fail "two-cpu plan does not check"

# plan diff: the same plan → no difference; one device vs two → ranges, device, moved nodes; --json
"$HUGINN" plan diff st.json st.json >"$work/out" 2>&1 || fail "diff exited $?"
grep -q "same plan" "$work/out" || fail "diff of a plan with itself: $(cat "$work/out")"
"$HUGINN" plan diff st.json two.json >"$work/out" 2>&1 || fail "diff exited $?"
grep -q "/devices/cpu:0/nodeRange" "$work/out" && grep -q "/devices/cpu:1: null" "$work/out" ||
  fail "diff text: $(cat "$work/out")"
"$HUGINN" plan diff st.json two.json --json >diff.json 2>/dev/null || fail "diff --json exited $?"
check "diff json" diff.json '
assert d["same"] is False; p={x["path"] for x in d["differences"]}
assert "/nodes/output/device" in p and "/assertions/decodeTokensPerSecond" in p and "/transfers/count" in p'

# explain: split points with alternatives, bottleneck, three re-planned changes; --json
"$HUGINN" explain two.json --hardware "$hw/twoCpus.json" >"$work/out" 2>"$work/err" || fail "explain: $(cat "$work/err")"
for want in "Split points:" "cpu:0 → cpu:1" "decode latency" "Bottleneck: memory bandwidth" "Changes that would help most" "3. "; do
  grep -qF "$want" "$work/out" || fail "explain lacks '$want': $(cat "$work/out")"
done
"$HUGINN" explain two.json --hardware "$hw/twoCpus.json" --json >explain.json 2>/dev/null || fail "explain --json exited $?"
check "explain json" explain.json '
s=d["splits"]; assert len(s) == 1 and s[0]["from"] == "cpu:0" and s[0]["reason"].startswith("bytes")
assert len(s[0]["alternatives"]) >= 2 and len(d["changes"]) == 3
assert d["bottleneck"]["kind"] == "memory" and all("deltaPercent" in c for c in d["changes"])'
"$HUGINN" explain two.json --hardware "$hw/cpuOnly.json" >"$work/out" 2>&1 || fail "explain on another machine exited $?"
grep -q "another machine" "$work/out" || fail "explain on another machine: $(cat "$work/out")"
"$HUGINN" plan llama-3.1-70b --hardware "$hw/twoGpus64gNvme.json" --out big.json >/dev/null 2>&1
"$HUGINN" explain big.json --hardware "$hw/twoGpus64gNvme.json" >"$work/out" 2>&1 || fail "explain 70b exited $?"
grep -q "the GPUs are full" "$work/out" && grep -q "read from disk every step" "$work/out" &&
  grep -q "Bottleneck: disk" "$work/out" || fail "explain 70b: $(cat "$work/out")"

# a model that fits nowhere: HGN-0003 with the ledger and the smallest change
printf '{"hardwareVersion":1,"host":{"memory":"16MiB"}}' >tiny.json
"$HUGINN" plan "$fx/model-f32.gguf" --hardware tiny.json --context 512 2>"$work/err"; rc=$?
[ $rc -eq 5 ] && grep -q "HGN-0003" "$work/err" && grep -q "add at least" "$work/err" || fail "fits nowhere: exit $rc $(cat "$work/err")"

# --quant-config: smaller weights and KV; bad files name the field
printf '[weights]\ndefault = "q8_0"\n[kvCache]\nformat = "q8_0"\n' >q.toml
"$HUGINN" plan "$fx/model-f32.gguf" --hardware "$hw/cpuOnly.json" --quant-config q.toml --out q.json >/dev/null 2>"$work/err" ||
  fail "quant-config plan: $(cat "$work/err")"
check "quant plan" q.json '
m=d["header"]["model"]; assert m["weights"] == "q8_0" and m["kvCache"] == "q8_0"
assert d["nodes"][1]["bytes"] == 2*128*4 + (128*128*2 + 64*128*2 + 3*384*128)//32*34'
printf '[weights]\ndefault = "q9_0"\n' >bad.toml
"$HUGINN" plan "$fx/model-f32.gguf" --hardware "$hw/cpuOnly.json" --quant-config bad.toml 2>"$work/err"; rc=$?
[ $rc -eq 4 ] && grep -q "HGN-0004" "$work/err" && grep -q "bad.toml#/weights/default" "$work/err" || fail "bad format: exit $rc $(cat "$work/err")"
printf '[weights]\ndefault = "q8_0"\ncolour = 1\n' >bad2.toml
"$HUGINN" plan "$fx/model-f32.gguf" --hardware "$hw/cpuOnly.json" --quant-config bad2.toml 2>"$work/err"; rc=$?
[ $rc -eq 3 ] && grep -q "HGN-0001" "$work/err" && grep -q "bad2.toml#/weights/colour" "$work/err" || fail "bad key: exit $rc $(cat "$work/err")"
printf '[weights\n' >bad3.toml
"$HUGINN" plan "$fx/model-f32.gguf" --hardware "$hw/cpuOnly.json" --quant-config bad3.toml 2>"$work/err"; rc=$?
[ $rc -eq 3 ] && grep -q "HGN-0001" "$work/err" && grep -q "bad3.toml:1" "$work/err" || fail "bad toml: exit $rc $(cat "$work/err")"

# this host split into the runtime's virtual CPU devices (runtime.devices); a bad list names the key
printf '[runtime]\ndevices = [{ id = "cpu:0", memoryBytes = 81788928, threads = 1 }, { id = "cpu:1", memoryBytes = 81788928, threads = 1 }]\n[planner]\nreserveBytes = 0\n' >rt.toml
"$HUGINN" --config rt.toml plan "$fx/model-f32.gguf" --out rt.json >/dev/null 2>"$work/err" || fail "runtime.devices plan: $(cat "$work/err")"
check "runtime devices" rt.json '
r=[x["id"] for x in d["devices"] if "nodeRange" in x]; assert r == ["cpu:0","cpu:1"], r
assert d["devices"][0]["memoryWindowBytes"] == 81788928 and d["transfers"][0]["link"] == "memory"'
printf '[runtime]\ndevices = [{ id = "cpu:0", memoryBytes = 1 }, { id = "cpu:0", memoryBytes = 1 }]\n' >rt2.toml
"$HUGINN" --config rt2.toml plan "$fx/model-f32.gguf" --out rt2.json 2>"$work/err"; rc=$?
[ $rc -eq 3 ] && grep -q "runtime.devices" "$work/err" && grep -q "twice" "$work/err" || fail "duplicate cpu: exit $rc $(cat "$work/err")"

# calibrate: a profile in the cache that `plan` uses for this host's CPU
"$HUGINN" calibrate >"$work/out" 2>"$work/err" || fail "calibrate: $(cat "$work/err")"
check "calibration" "$XDG_CACHE_HOME/huginn/calibration.json" '
assert d["calibrationVersion"] == 1 and d["peakFlops"]["f32"] > 1e8 and d["memoryBandwidth"] > 1e8'
"$HUGINN" plan "$fx/model-f32.gguf" --out live.json >/dev/null 2>"$work/err" || fail "live fixture plan: $(cat "$work/err")"
check "calibrated host" live.json 'assert [x["profileId"] for x in d["devices"] if x["kind"] == "cpu"] == ["calibrated"]'
printf '{"calibrationVersion":1,"peakFlops":{"f32":-1},"memoryBandwidth":1e9}' >"$XDG_CACHE_HOME/huginn/calibration.json"
"$HUGINN" plan "$fx/model-f32.gguf" --out live.json 2>"$work/err"; rc=$?
[ $rc -eq 3 ] && grep -q "/peakFlops/f32" "$work/err" || fail "bad calibration: exit $rc $(cat "$work/err")"

[ $failures -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "plan.sh: all checks passed"
