#!/usr/bin/env bash
# huginndMetrics.sh — huginnd's fed metrics, job logs and traces end to end:
# a job runs through one worker on the fixture model, then /metrics must
# report what really happened (step histograms counting exactly the job's
# recorded steps, its duration, the plan's nodes, the checkpoint cache
# series) and pass promtool; the JSON log file must hold the job's lifecycle
# records (jobId, owner, attempt) carrying the traceId/spanId of the job span
# in its trace.jsonl, and no token or prompt. A second daemon whose
# artefacts folder cannot be created (a file is in the way: IoError) retries a
# job once and counts it under huginn_retries_total{reason="IoError"}.
# shellcheck source=lib/huginndLib.bash
source "$(dirname "$0")/lib/huginndLib.bash"
requireTools curl python3

TOKEN=tok-metrics-alice-0123456789
printf '%s alice user\n' "$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)" >tokens

start() { # start NAME STOREDIR — sets $base; JSON log in $work/NAME.jsonl
  local name=$1 dir=$2
  mkdir -p "$dir"
  cat >"$work/$name.toml" <<T
[logging]
file = "$work/$name.jsonl"
T
  HUGINN_STORE__PATH="$dir/jobs.db" "$HUGINND" --config "$work/$name.toml" --listen 127.0.0.1:0 \
    --port-file "$work/$name.port" --token-file "$work/tokens" --workers 1 --log-level debug >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$work/$name.port" ] && break; sleep 0.05; done
  [ -s "$work/$name.port" ] || { cat "$work/$name.log" >&2; fail "$name did not start"; exit 1; }
  base="http://127.0.0.1:$(cat "$work/$name.port")"
}
get() { curl -s --max-time 20 -H "Authorization: Bearer $TOKEN" "$base$1"; }
submit() { curl -s --max-time 20 -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary "$1" "$base/v1/jobs"; }
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get(sys.argv[1]) if d.get(sys.argv[1]) is not None else "")' "$1"; }
waitEnd() { # waitEnd ID — follows the event stream until the job ends
  curl -s -N --max-time 60 -H "Authorization: Bearer $TOKEN" "$base/v1/jobs/$1/events" >/dev/null ||
    fail "the event stream of $1 did not end (curl $?)"
}
# sample NAME{LABELS} — the value of one series in metrics.txt (empty when absent)
sample() { python3 - "$1" <<'PY'
import sys
want = sys.argv[1]
for line in open("metrics.txt"):
    if line.startswith("#"): continue
    name, _, value = line.rstrip("\n").rpartition(" ")
    if name == want: print(value); break
PY
}

# ---- one job runs to completion ------------------------------------------------------------
start run "$work/run"
prompt="Once upon a time Bearer $TOKEN"
body=$(submit '{"planPath":"'"$DATA"'/runtime/fixture.plan.json","prompt":"'"$prompt"'","maxTokens":6}')
job=$(printf %s "$body" | field id)
[ -n "$job" ] || { fail "no job id in $body"; exit 1; }
waitEnd "$job"
get "/v1/jobs/$job" >job.json
state=$(field state <job.json); steps=$(field stepsDone <job.json); art=$(field artefactsPath <job.json)
[ "$state" = COMPLETED ] || fail "the job ended $state: $(cat job.json)"
[ "${steps:-0}" -gt 0 ] || fail "the job recorded no steps"
get /metrics >metrics.txt
nodes=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["nodes"]))' "$DATA/runtime/fixture.plan.json")
check() { # check SERIES WANT WHAT
  local got; got=$(sample "$1")
  [ "$got" = "$2" ] || fail "$3: $1 = '${got}', expected $2"
}
check huginn_step_duration_seconds_count "$steps" "step histogram counts the job's steps"
check 'huginn_step_duration_seconds_bucket{le="+Inf"}' "$steps" "step histogram +Inf bucket"
check huginn_step_overhead_seconds_count "$steps" "overhead histogram counts the job's steps"
check 'huginn_plan_nodes_total{backend="cpu"}' "$nodes" "plan nodes of the run"
check 'huginn_job_duration_seconds_count{state="COMPLETED",quantized="false"}' 1 "job duration"
check 'huginn_cache_hits_total{type="checkpoint"}' 0 "checkpoint cache hits"
check 'huginn_bytes_transferred_total{direction="deviceToDevice"}' 0 "one device moves nothing"
check 'huginn_job_transitions_total{from="RUNNING",to="COMPLETED"}' 1 "transition counter"
python3 - "$(sample huginn_step_duration_seconds_sum)" "$(sample 'huginn_job_duration_seconds_sum{state="COMPLETED",quantized="false"}')" \
  "$(sample huginn_step_overhead_seconds_sum)" <<'PY' || fail "sums: steps $(sample huginn_step_duration_seconds_sum)"
import sys
steps, job, overhead = map(float, sys.argv[1:])
assert 0 < steps <= job + 0.002, (steps, job)
assert 0 < overhead <= steps, (overhead, steps)
PY
if command -v promtool >/dev/null; then
  promtool check metrics <metrics.txt >promtool.out 2>&1 || fail "promtool check metrics: $(cat promtool.out)"
else
  echo "SKIP promtool: not installed (Debian package prometheus)"
fi

# ---- the job's log records join its trace ------------------------------------------------------
[ -s "$art/trace.jsonl" ] || fail "no trace.jsonl in $art"
python3 - "$work/run.jsonl" "$art/trace.jsonl" "$job" <<'PY' || fail "logs do not join the trace"
import json, sys
log, trace, job = sys.argv[1:]
spans = [json.loads(l) for l in open(trace)]
root = [s for s in spans if s["parentSpanId"] is None]
assert len(root) == 1 and root[0]["jobId"] == job, root
assert all(s["jobId"] == job and s["traceId"] == root[0]["traceId"] for s in spans)
records = [json.loads(l) for l in open(log)]
mine = {r["event"]: r for r in records if r.get("component") == "jobs" and r.get("jobId") == job}
for ev in ("submitted", "claimed", "started", "runEnded", "completed"):
    assert ev in mine, (ev, sorted(mine))
    assert mine[ev]["owner"] == "alice", mine[ev]
for ev in ("started", "runEnded", "completed"):
    r = mine[ev]
    assert r["attempt"] == "1", r
    assert r["traceId"] == root[0]["traceId"] and r["spanId"] == root[0]["spanId"], (r, root[0])
PY
for f in run.log run.jsonl; do
  ! grep -q "$TOKEN" "$f" || fail "the bearer token appears in $f"
  ! grep -q 'Once upon' "$f" || fail "the prompt appears in $f"
done

# ---- a transient failure is retried and counted by reason ----------------------------------------
mkdir -p "$work/blocked"
: >"$work/blocked/artifacts" # a file where huginnd makes the artefacts folders
start blocked "$work/blocked"
body=$(submit '{"planPath":"'"$DATA"'/runtime/fixture.plan.json","prompt":"Hello","maxTokens":2,"maxAttempts":2}')
rjob=$(printf %s "$body" | field id)
waitEnd "$rjob"
get "/v1/jobs/$rjob" >rjob.json
[ "$(field state <rjob.json)" = FAILED ] || fail "the blocked job: $(cat rjob.json)"
[ "$(field attempts <rjob.json)" = 2 ] || fail "the blocked job ran $(field attempts <rjob.json) times"
grep -q '"retriesByReason":{"IoError":1}' rjob.json || fail "the job's retriesByReason: $(cat rjob.json)"
get /metrics >metrics.txt
check 'huginn_retries_total{reason="IoError"}' 1 "retries by reason"
check huginn_jobs_failed_total 1 "failed counter"
check 'huginn_job_transitions_total{from="RUNNING",to="QUEUED"}' 1 "retry transition"
python3 - "$work/blocked.jsonl" "$rjob" <<'PY' || fail "no retryScheduled record"
import json, sys
log, job = sys.argv[1:]
rs = [r for r in map(json.loads, open(log)) if r.get("jobId") == job and r.get("event") == "retryScheduled"]
assert len(rs) == 1 and rs[0]["reason"] == "IoError" and rs[0]["attempt"] == "1" and int(rs[0]["backoffMs"]) >= 0, rs
PY

for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
for p in "${pids[@]}"; do wait "$p" || fail "huginnd (pid $p) exited $? on SIGTERM"; done
pids=()
for l in run blocked; do
  ! grep -q 'Sanitizer' "$work/$l.log" || fail "sanitizer report in the $l log: $(grep -A20 Sanitizer "$work/$l.log")"
done
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "huginndMetrics: all checks passed"
