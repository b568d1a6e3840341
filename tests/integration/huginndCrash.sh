#!/usr/bin/env bash
# huginndCrash.sh — huginnd killed with SIGKILL and started again on the same
# store (jobs.leaseMs = 1 s): first right after submission (before any run:
# the queued jobs survive), then while the jobs run with checkpoints (their
# leases expire and other runs take over). Every job ends COMPLETED exactly once;
# its state events form one chain through the state table (one lease at a
# time: a lost lease shows as RUNNING -> QUEUED before the next RUNNING, and
# the two runs name different managers); attempts equals the runs started;
# a job cut mid-run resumes from its checkpoint, with outputs.jsonl listing
# every token once; and each result equals `huginn execute` run locally with
# the same flags (fixed seed, temperature 0.9, --ignore-eos).
killSignal=KILL # the daemons are SIGKILLed on purpose; leave none behind
# shellcheck source=lib/huginndLib.bash
source "$(dirname "$0")/lib/huginndLib.bash"
requireTools curl python3
now() { date +%s%N; }
: >config.toml

LEASE=1000
N=6
TOKENS=120
PROMPT="Hello"
plan=$DATA/runtime/fixture.plan.json

# start NAME STORE WORKERS — starts huginnd; sets $daemon (pid) and $base
start() {
  local name=$1 store=$2 workers=$3
  rm -f "$work/$name.port"
  HUGINN_STORE__PATH=$store HUGINN_JOBS__LEASE_MS=$LEASE "$HUGINND" --config "$work/config.toml" \
    --listen 127.0.0.1:0 --port-file "$work/$name.port" --workers "$workers" --log-level debug \
    >>"$work/$name.log" 2>&1 &
  daemon=$!
  pids+=("$daemon")
  for _ in $(seq 200); do [ -s "$work/$name.port" ] && break; sleep 0.05; done
  [ -s "$work/$name.port" ] || { cat "$work/$name.log" >&2; die "huginnd ($name) did not start within 10 s"; }
  base="http://127.0.0.1:$(cat "$work/$name.port")"
}

crash() { # SIGKILL: no shutdown code runs
  kill -9 "$daemon" 2>/dev/null
  wait "$daemon" 2>/dev/null
}

# submit N jobs (seeds 1..N); their ids in $1
submitAll() {
  : >"$1"
  for i in $(seq "$N"); do
    local body code
    body=$(curl -s -w '\n%{http_code}' --max-time 20 -X POST -H 'Content-Type: application/json' "$base/v1/jobs" \
      --data-binary '{"planPath":"'"$plan"'","prompt":"'"$PROMPT"'","maxTokens":'$TOKENS',
        "options":{"seed":'"$i"',"temperature":0.9,"ignoreEos":true}}')
    code=${body##*$'\n'}
    [ "$code" = 201 ] || die "submit job $i: HTTP $code (${body%$'\n'*})"
    printf '%s\n' "${body%$'\n'*}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' >>"$1" ||
      die "submit job $i: no id"
  done
}

# waitTerminal IDS SECONDS — polls until every job has ended; writes jobs.json
waitTerminal() {
  local deadline=$(($(date +%s) + $2))
  while :; do
    curl -s --max-time 5 "$base/v1/jobs" >"$work/jobs.json" 2>/dev/null
    python3 - "$1" "$work/jobs.json" <<'P' && return 0
import json, sys
ids = open(sys.argv[1]).read().split()
try:
    jobs = {j["id"]: j for j in json.load(open(sys.argv[2]))["jobs"]}
except Exception:
    sys.exit(1)
sys.exit(0 if all(jobs.get(i, {}).get("state") in ("COMPLETED", "FAILED", "CANCELLED") for i in ids) else 1)
P
    [ "$(date +%s)" -lt "$deadline" ] || { fail "jobs not terminal after $2 s: $(cat "$work/jobs.json")"; return 1; }
    sleep 0.1
  done
}

# events IDS — every job's events (JSON lines of {"id", "events"}) into events.jsonl
events() {
  : >"$work/events.jsonl"
  while read -r id; do
    curl -s --max-time 10 "$base/v1/jobs/$id/events" | sed -n 's/^data: //p' |
      python3 -c 'import json,sys; ev=[json.loads(l) for l in sys.stdin if l.strip() not in ("", "{}")]; print(json.dumps({"id":sys.argv[1],"events":ev}))' "$id" \
        >>"$work/events.jsonl"
  done <"$1"
}

# ---- reference: the same jobs through the local runtime -------------------------------------------------
: >reference.txt
for i in $(seq "$N"); do
  "$HUGINN" execute "$plan" --prompt "$PROMPT" --max-tokens $TOKENS --seed "$i" --temperature 0.9 --ignore-eos \
    --json 2>"$work/ref.err" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["text"]))' \
    >>reference.txt || die "local reference run $i failed: $(cat "$work/ref.err")"
done

# check IDS MIDRUN LABEL — the assertions on the final jobs, events and artefacts
check() {
  python3 - "$1" "$2" "$work/jobs.json" "$work/events.jsonl" reference.txt "$TOKENS" "$3" <<'P' || fail "$3: see above"
import json, os, sys
ids = open(sys.argv[1]).read().split()
midrun = set(open(sys.argv[2]).read().split())
jobs = {j["id"]: j for j in json.load(open(sys.argv[3]))["jobs"]}
events = {}
for line in open(sys.argv[4]):
    d = json.loads(line)
    events[d["id"]] = d["events"]
ref = [json.loads(l) for l in open(sys.argv[5])]
tokens, label = int(sys.argv[6]), sys.argv[7]
bad = []
allowed = {("QUEUED", "RUNNING"), ("QUEUED", "PAUSED"), ("QUEUED", "CANCELLED"), ("RUNNING", "QUEUED"),
           ("RUNNING", "PAUSED"), ("RUNNING", "COMPLETED"), ("RUNNING", "FAILED"), ("RUNNING", "CANCELLED"),
           ("PAUSED", "QUEUED"), ("PAUSED", "CANCELLED")}
resumed = 0
for n, i in enumerate(ids):
    j = jobs.get(i)
    if not j:
        bad.append(f"{i}: missing from GET /v1/jobs"); continue
    if j["state"] != "COMPLETED":
        bad.append(f"{i}: {j['state']} ({j.get('lastError')})"); continue
    if j.get("result") != ref[n]:
        bad.append(f"{i} (seed {n + 1}): result differs from the local run:\n  server {j.get('result')!r}\n  local  {ref[n]!r}")
    st = [e for e in events.get(i, []) if e.get("type") == "state"]
    if not st or st[0].get("message") != "submitted":
        bad.append(f"{i}: the events do not start with the submission: {st[:1]}"); continue
    chain, runs, done, managers = "QUEUED", 0, 0, []
    for e in st[1:]:
        if e["from"] != chain or (e["from"], e["to"]) not in allowed:
            bad.append(f"{i}: event {e['from']} -> {e['to']} while the job was {chain} "
                       f"(two leases at once, or a missing event): {[(x['from'], x['to']) for x in st]}")
            break
        chain = e["to"]
        if e["to"] == "RUNNING":
            runs += 1
            managers.append(e.get("message"))
        done += e["to"] == "COMPLETED"
    if done != 1:
        bad.append(f"{i}: {done} COMPLETED transitions")
    if j["attempts"] < 1 or j["attempts"] != runs:
        bad.append(f"{i}: attempts {j['attempts']}, but {runs} runs started in the events")
    requeued = [e for e in st if e["from"] == "RUNNING" and e["to"] == "QUEUED"]
    if requeued and len(set(managers)) < 2:
        bad.append(f"{i}: requeued after a lost lease, but every run names the same manager {managers}")
    if i in midrun:
        if not requeued or "lease" not in (requeued[0].get("message") or ""):
            bad.append(f"{i}: cut mid-run, but no RUNNING -> QUEUED event for its expired lease")
        if not (j.get("metrics") or {}).get("resumedAt"):
            bad.append(f"{i}: cut mid-run after a checkpoint, but did not resume from it: {j.get('metrics')}")
        resumed += 1
    art = j.get("artefactsPath")
    if not art or not os.path.exists(os.path.join(art, "summary.json")):
        bad.append(f"{i}: no summary.json in its artefacts folder {art}")
    else:
        idx = [json.loads(l)["index"] for l in open(os.path.join(art, "outputs.jsonl"))]
        if idx != list(range(tokens)):
            bad.append(f"{i}: outputs.jsonl lists token indices {idx[:3]}..{idx[-3:]} ({len(idx)} lines), "
                       f"expected 0..{tokens - 1} once each")
        for f in os.listdir(art):
            if f.endswith(".partial"):
                bad.append(f"{i}: partial artefact {f} left behind")
for b in bad:
    print(f"FAIL: {label}: {b}", file=sys.stderr)
print(f"{label}: {len(ids)} jobs COMPLETED once, {resumed} resumed from a checkpoint")
sys.exit(1 if bad else 0)
P
}

# ---- SIGKILL right after submission (before any run), then again while the jobs run -----------------------
mkdir -p s1
start submitted "$work/s1/jobs.db" 0
submitAll ids.txt
crash
start running "$work/s1/jobs.db" 2
# wait until a job is mid-run: a checkpoint written, no summary yet
deadline=$(($(date +%s) + 60))
caught=
while [ -z "$caught" ]; do
  for d in "$work"/s1/artifacts/*/; do
    [ -e "$d/checkpoint.zst" ] && [ ! -e "$d/summary.json" ] && { caught=$d; break; }
  done
  [ -n "$caught" ] && break
  [ "$(date +%s)" -lt "$deadline" ] || die "no job reached a checkpoint within 60 s (log: $(tail -5 "$work/running.log"))"
  sleep 0.003
done
crash
killedMs=$(($(now) / 1000000))
# the files are frozen now: the jobs with a checkpoint and no summary were cut mid-run
: >midrun.txt
for d in "$work"/s1/artifacts/*/; do
  [ -e "$d/checkpoint.zst" ] && [ ! -e "$d/summary.json" ] && basename "$d" >>midrun.txt
done
[ -s midrun.txt ] || fail "the job seen mid-run ($caught) had finished by the time huginnd was killed"
t0=$(now)
start recovered "$work/s1/jobs.db" 2
waitTerminal ids.txt 120
echo "recovery after SIGKILL mid-run: all $N jobs ended $((($(now) - t0) / 1000000)) ms after the restart (lease ${LEASE} ms)"
events ids.txt
check ids.txt midrun.txt "SIGKILL after submission and mid-run"
python3 - "$work/events.jsonl" "$killedMs" "$LEASE" <<'P' || fail "requeue after SIGKILL took too long (see above)"
import json, sys
killed, lease = int(sys.argv[2]), int(sys.argv[3])
t = [e["timeMs"] for l in open(sys.argv[1]) for e in json.loads(l)["events"]
     if e.get("from") == "RUNNING" and e.get("to") == "QUEUED"]
if t:
    print(f"the killed runs were requeued {min(t) - killed} to {max(t) - killed} ms after SIGKILL")
    # about one lease, even while both workers run other jobs (huginnd's reaper, every lease/4)
    if max(t) - killed > 4 * lease:
        print(f"FAIL: requeued {max(t) - killed} ms after SIGKILL; the lease is {lease} ms", file=sys.stderr)
        sys.exit(1)
P
grep -q "lease of .* expired" "$work/recovered.log" ||
  fail "the restarted huginnd does not log the requeue (log: $(tail -5 "$work/recovered.log"))"

# ---- clean shutdown of the last daemon; no sanitizer report anywhere --------------------------------------
kill -TERM "$daemon" && wait "$daemon" || fail "huginnd exited $? on SIGTERM after recovery"
pids=()
for l in "$work"/*.log; do
  ! grep -q 'Sanitizer' "$l" || fail "sanitizer report in $(basename "$l"): $(grep -A20 Sanitizer "$l")"
done
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "huginndCrash: all checks passed"
