#!/usr/bin/env bash
# diagnose.sh — `huginn diagnose` and `huginn models` end to end: this host, the
# NVML test double's scenarios, hwloc XML exports of other machines, the
# registry and its recommendations, and bad input.
set -u
: "${HUGINN:?HUGINN must point at the huginn binary}"
: "${HGN_TEST_DATA:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/xdg
unset HUGINN_PROFILE HUGINN_NVML_LIBRARY
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# py EXPR < json — evaluates a Python assertion on the JSON document d.
check() { # check WHAT FILE PYTHON-ASSERTION
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); exec(sys.argv[2])' "$2" "$3" 2>"$work/pyerr" ||
    fail "$1: $(tail -1 "$work/pyerr")"
}

# this host, no driver: complete report, exit 0
"$HUGINN" diagnose >"$work/text" 2>"$work/err" || fail "diagnose exited $?: $(cat "$work/err")"
for section in Host CPU Memory "Cache disk" GPUs Topology "Recommended models"; do
  grep -q "^$section" "$work/text" || fail "diagnose text lacks section $section"
done
"$HUGINN" diagnose --json >"$work/host.json" || fail "diagnose --json exited $?"
check "host report" "$work/host.json" '
m=d["memory"]; assert m["totalBytes"] > 0 and 0 < m["availableBytes"] <= m["totalBytes"]
c=d["cpu"]; assert c["model"] and c["logicalCores"] >= c["physicalCores"] >= 1 and isinstance(c["flags"], list)
assert d["disk"]["path"] and d["disk"]["freeBytes"] >= 0
assert len(d["topology"]["topologyDigest"]) == 64 and d["topology"]["numaNodes"]
assert d["recommendedModels"], "no recommendations"'

# NVML double scenarios
nvml() { # nvml SCENARIO OUT [args…]
  local s=$1 o=$2; shift 2
  HUGINN_NVML_LIBRARY=$HGN_NVML_DOUBLE HGN_NVML_SCENARIO=$HGN_TEST_DATA/nvml/$s "$HUGINN" diagnose --json "$@" >"$o" ||
    fail "diagnose with $s exited $?"
}
if [ -n "${HGN_NVML_DOUBLE:-}" ]; then
  nvml rtx4090.json "$work/4090.json"
  check "1 x RTX 4090" "$work/4090.json" '
g=d["gpus"]; assert len(g) == 1 and g[0]["name"] == "NVIDIA GeForce RTX 4090" and g[0]["memoryTotalBytes"] >= 23*2**30
assert g[0]["computeCapability"] == "8.9", g[0]["computeCapability"]
r=d["recommendedModels"]; assert r[0]["verdict"] == "fitsGpu", r[0]
assert all(x["reason"] for x in r)'
  nvml h100x8.json "$work/h100.json"
  check "8 x H100" "$work/h100.json" 'assert len(d["gpus"]) == 8 and all("H100" in g["name"] for g in d["gpus"])'
  nvml mixedPair.json "$work/pair.json"
  check "24 GB + 8 GB" "$work/pair.json" '
sizes=sorted(g["memoryTotalBytes"] for g in d["gpus"]); assert len(sizes) == 2 and sizes[0] < sizes[1]'
  nvml lostGpu.json "$work/lost.json"
  check "lost GPU" "$work/lost.json" '
assert any(g["state"] == "lost" for g in d["gpus"]); assert any(w["code"] == "gpuLost" for w in d["warnings"])'
  nvml none.json "$work/none.json"
  check "no GPU" "$work/none.json" 'assert d["gpus"] == []'
  # a 70B model at int4 does not fit one 4090: it must say so, with numbers
  HUGINN_NVML_LIBRARY=$HGN_NVML_DOUBLE HGN_NVML_SCENARIO=$HGN_TEST_DATA/nvml/rtx4090.json \
    "$HUGINN" models list --fits --json --quant int4 >"$work/fits.json" || fail "models list --fits exited $?"
  check "models list --fits" "$work/fits.json" '
r={x["id"]: x for x in d["recommendations"]}; assert r["llama-3.1-8b"]["verdict"] == "fitsGpu"
assert r["llama-3.1-70b"]["verdict"] == "fitsWithOffload", r["llama-3.1-70b"]
assert "llama-3.1-405b" not in r'
else
  echo "skip: NVML double not built (HGN_NVML_DOUBLE unset)"
fi
# a driver path that does not exist: still a complete report, exit 0
HUGINN_NVML_LIBRARY=$work/nope.so "$HUGINN" diagnose --json >"$work/nodrv.json" || fail "missing driver must not fail"
check "missing driver" "$work/nodrv.json" 'assert d["gpus"] == [] and any("nope.so" in n for n in d["notes"])'

# another machine from its hwloc XML export
"$HUGINN" diagnose --topology-xml "$HGN_TEST_DATA/topologies/nvidiaDGX2.xml" --json >"$work/dgx2.json" ||
  fail "diagnose --topology-xml DGX-2 exited $?"
check "DGX-2" "$work/dgx2.json" '
t=d["topology"]; g=t["gpus"]; assert len(g) == 16 and len(d["gpus"]) == 16
assert all(x["numaNode"] in (0, 1) for x in g)
assert all(any(p["kind"] == "switchPort" for p in x["pciPath"]) for x in g), "switch path missing"
assert d["cpu"]["sockets"] == 2 and "8174" in d["cpu"]["model"]
assert len(t["numaNodes"]) == 2'
"$HUGINN" diagnose --topology-xml "$HGN_TEST_DATA/topologies/nvidiaDGX2.xml" --json >"$work/dgx2b.json"
check "digest stable" "$work/dgx2.json" '
e=json.load(open(sys.argv[1].replace("dgx2.json","dgx2b.json"))); assert d["topology"]["topologyDigest"] == e["topology"]["topologyDigest"]'
"$HUGINN" diagnose --topology-xml "$HGN_TEST_DATA/topologies/nvidiaDGX2.xml" | grep -q "V100" || fail "DGX-2 text lacks V100"

# bad input
printf '<topology><object type=' >"$work/bad.xml"
"$HUGINN" diagnose --topology-xml "$work/bad.xml" --json >"$work/bad.json" 2>/dev/null
rc=$?
[ $rc -eq 4 ] || fail "bad XML exited $rc, expected 4"
check "bad XML error" "$work/bad.json" 'e=d["error"]; assert e["code"] == "HGN-0201" and "bad.xml" in (e["where"] or "") + e["message"], e'
"$HUGINN" diagnose --topology-xml "$work/missing.xml" >/dev/null 2>&1
[ $? -eq 6 ] || fail "missing XML must exit 6 (NotFound)"

# registry
"$HUGINN" models list --json >"$work/models.json" || fail "models list exited $?"
check "models list" "$work/models.json" '
ids=[m["id"] for m in d["models"]]; assert len(ids) >= 25 and len(set(ids)) == len(ids)
for want in ["llama-3.1-8b","llama-3.1-405b","gemma-2-27b","mixtral-8x7b","qwen2.5-72b","tinyllama-1.1b"]: assert any(want in i for i in ids), want'
"$HUGINN" models show llama-3.1-8b --json >"$work/show.json" || fail "models show exited $?"
check "models show" "$work/show.json" '
mem=d["memory"]; assert len(mem) == 9
cell=[c for c in mem if c["precision"] == "fp16" and c["context"] == 131072][0]
assert cell["kvCacheBytes"] == 16*2**30, cell["kvCacheBytes"]'
"$HUGINN" models show llama-3.1-8b | grep -q "128k" || fail "models show text lacks the 128k row"
"$HUGINN" models show lama-3.1-8b >/dev/null 2>"$work/err"
[ $? -eq 6 ] || fail "unknown model must exit 6"
grep -q "did you mean .llama-3.1-8b." "$work/err" || fail "unknown model lacks a suggestion: $(cat "$work/err")"

if [ $failures -ne 0 ]; then echo "diagnose.sh: $failures failure(s)"; exit 1; fi
echo "diagnose.sh: all checks passed"
