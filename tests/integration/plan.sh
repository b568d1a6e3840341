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
export HOME=$work XDG_CONFIG_HOME=$work/xdg SOURCE_DATE_EPOCH=1767225600
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
[ $rc -eq 8 ] && grep -q "HGN-0010" "$work/err" || fail "gguf: exit $rc $(cat "$work/err")"
echo '{' >"$work/broken.json"
"$HUGINN" plan --check "$work/broken.json" 2>"$work/err"; rc=$?
[ $rc -eq 4 ] && grep -q "HGN-0600" "$work/err" || fail "broken json: exit $rc $(cat "$work/err")"

[ $failures -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "plan.sh: all checks passed"
