#!/usr/bin/env bash
# huginndConcurrent.sh — several clients at once against one huginnd (one
# worker running jobs meanwhile): curl clients of two users submit, read,
# list, cancel and send bad options; `huginn` clients submit with sampling
# flags and list. Every answer is valid JSON with the expected HTTP code;
# afterwards the counts agree: every submitted job is listed once, ends
# COMPLETED or CANCELLED (CANCELLED only if a cancel was accepted; CANCELLED
# whenever a cancel was answered with state CANCELLED), users see only their
# own jobs, and huginn_jobs_submitted_total matches.
# shellcheck source=lib/huginndLib.bash
source "$(dirname "$0")/lib/huginndLib.bash"
requireTools curl python3

cat >tokens <<T
$(hash tok-alice-0123456789) alice user
$(hash tok-bob-0123456789) bob user
$(hash tok-root-0123456789) root admin
T
: >config.toml
HUGINN_STORE__PATH=$work/jobs.db "$HUGINND" --config "$work/config.toml" --listen 127.0.0.1:0 \
  --port-file "$work/port" --token-file "$work/tokens" --workers 1 --log-level debug >"$work/huginnd.log" 2>&1 &
daemon=$!
pids+=("$daemon")
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { cat "$work/huginnd.log" >&2; die "huginnd did not start within 10 s"; }
base="http://127.0.0.1:$(cat "$work/port")"
plan=$DATA/runtime/fixture.plan.json

CLIENTS=4
ROUNDS=8

# client K USER — ROUNDS of submit / get / list / (cancel) / bad options; one
# line per answer in client.K: "EXPECTED-CODES CODE BODY-FILE WHAT"
client() {
  local k=$1 user=$2 n=0 log=$work/client.$1
  : >"$log"
  call() { # call EXPECTED WHAT METHOD PATH [BODY]
    local want=$1 what=$2 method=$3 path=$4 data=${5-} out=$work/c$k.$n
    n=$((n + 1))
    local args=(-s -o "$out" -w '%{http_code}' -X "$method" --max-time 30 -H "Authorization: Bearer tok-$user-0123456789")
    [ -z "$data" ] || args+=(-H 'Content-Type: application/json' --data-binary "$data")
    code=$(curl "${args[@]}" "$base$path")
    echo "$want $code $out $what" >>"$log"
    last=$out
  }
  for r in $(seq "$ROUNDS"); do
    call 201 submit POST /v1/jobs '{"planPath":"'"$plan"'","prompt":"Hello","maxTokens":8,"options":{"seed":'"$r"',"temperature":0.7}}'
    local id
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$last" 2>/dev/null)
    [ -n "$id" ] || { echo "000 000 $last no-id" >>"$log"; continue; }
    echo "$id" >>"$work/submitted.$k"
    call 200 get GET "/v1/jobs/$id"
    call 200 list GET /v1/jobs
    if [ $((r % 2)) = 0 ]; then
      call 200,409 "cancel $id" POST "/v1/jobs/$id:cancel"
    fi
    call 400 "bad options" POST /v1/jobs '{"planPath":"'"$plan"'","options":{"topP":2}}'
    call 404 "unknown job" GET /v1/jobs/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b
  done
}

# CLI clients: execute --server with sampling flags, and listing
cliClient() {
  local k=$1
  for r in $(seq 4); do
    HUGINN_TOKEN=tok-alice-0123456789 "$HUGINN" execute "$plan" --prompt Hi --max-tokens 6 --seed "$r" \
      --temperature 0.5 --top-k 20 --server "$base" --json >"$work/cli$k.$r.json" 2>"$work/cli$k.$r.err" ||
      echo "execute exit $? $(cat "$work/cli$k.$r.err")" >>"$work/cli.failures"
    HUGINN_TOKEN=tok-root-0123456789 "$HUGINN" jobs --all --json --server "$base" >"$work/cliList$k.$r.json" \
      2>>"$work/cli.failures" || echo "jobs exit $?" >>"$work/cli.failures"
  done
}

: >cli.failures
clients=()
for k in $(seq "$CLIENTS"); do
  if [ $((k % 2)) = 0 ]; then client "$k" alice & else client "$k" bob & fi
  clients+=($!)
done
for k in 1 2; do
  cliClient "$k" &
  clients+=($!)
done
for c in "${clients[@]}"; do wait "$c"; done
[ -s cli.failures ] && fail "CLI clients: $(cat cli.failures)"

# every answer: valid JSON, expected code; cancels remembered
python3 - "$work" "$CLIENTS" <<'P' || fail "client answers (see above)"
import glob, json, os, sys
work, clients = sys.argv[1], int(sys.argv[2])
bad, cancels = [], {}
n = 0
for k in range(1, clients + 1):
    for line in open(os.path.join(work, f"client.{k}")):
        want, code, path, what = line.rstrip("\n").split(" ", 3)
        n += 1
        try:
            body = json.load(open(path))
        except Exception as e:
            bad.append(f"client {k} {what}: HTTP {code}, body is not JSON ({e}): {open(path).read()[:200]!r}")
            continue
        if code not in want.split(","):
            bad.append(f"client {k} {what}: HTTP {code}, expected {want}: {body}")
        if code.startswith("4") and not str(body.get("error", {}).get("code", "")).startswith("HGN-"):
            bad.append(f"client {k} {what}: HTTP {code} without an HGN error: {body}")
        if what == "bad options" and body.get("error", {}).get("where") != "/options/topP":
            bad.append(f"client {k} bad options: error names {body.get('error', {}).get('where')}, not /options/topP")
        if what.startswith("cancel ") and code == "200":
            cancels[what.split()[1]] = body.get("state")
for f in glob.glob(os.path.join(work, "cli*.json")):
    try:
        json.load(open(f))
    except Exception as e:
        bad.append(f"{os.path.basename(f)}: `huginn --json` printed invalid JSON ({e})")
json.dump(cancels, open(os.path.join(work, "cancels.json"), "w"))
for b in bad:
    print("FAIL:", b, file=sys.stderr)
print(f"{n} concurrent API answers checked, {len(cancels)} cancels accepted")
sys.exit(1 if bad else 0)
P

# wait until every job has ended, then the counts
deadline=$(($(date +%s) + 120))
while :; do
  curl -s --max-time 10 -H "Authorization: Bearer tok-root-0123456789" "$base/v1/jobs" >all.json
  python3 -c '
import json,sys
jobs = json.load(open("all.json"))["jobs"]
sys.exit(0 if jobs and all(j["state"] in ("COMPLETED","FAILED","CANCELLED") for j in jobs) else 1)' 2>/dev/null && break
  [ "$(date +%s)" -lt "$deadline" ] || { fail "jobs still active after 120 s"; break; }
  sleep 0.2
done
curl -s -H "Authorization: Bearer tok-alice-0123456789" "$base/v1/jobs" >alice.json
curl -s -H "Authorization: Bearer tok-root-0123456789" "$base/metrics" >metrics.txt
python3 - "$work" "$CLIENTS" <<'P' || fail "final counts (see above)"
import glob, json, os, re, sys
work, clients = sys.argv[1], int(sys.argv[2])
submitted = []
for k in range(1, clients + 1):
    p = os.path.join(work, f"submitted.{k}")
    submitted += open(p).read().split() if os.path.exists(p) else []
cliIds = [json.load(open(f))["id"] for f in glob.glob(os.path.join(work, "cli[0-9].*.json"))]
cancels = json.load(open(os.path.join(work, "cancels.json")))
jobs = {j["id"]: j for j in json.load(open(os.path.join(work, "all.json")))["jobs"]}
bad = []
expect = set(submitted) | set(cliIds)
if len(expect) != len(submitted) + len(cliIds):
    bad.append("a job id was handed out twice")
if set(jobs) != expect:
    bad.append(f"listed {len(jobs)} jobs, submitted {len(expect)}; missing {sorted(expect - set(jobs))[:3]}, "
               f"extra {sorted(set(jobs) - expect)[:3]}")
for i, j in jobs.items():
    if j["state"] == "CANCELLED" and i not in cancels:
        bad.append(f"{i}: CANCELLED without an accepted cancel")
    if j["state"] not in ("COMPLETED", "CANCELLED"):
        bad.append(f"{i}: ended {j['state']}: {j.get('lastError')}")
    if cancels.get(i) == "CANCELLED" and j["state"] != "CANCELLED":
        bad.append(f"{i}: the cancel answered CANCELLED, the job ended {j['state']}")
    if j["state"] == "COMPLETED" and not j.get("result"):
        bad.append(f"{i}: COMPLETED without a result")
for i in cliIds:
    o = (jobs.get(i) or {}).get("options")
    if not o or set(o) != {"temperature", "topK", "seed"} or o["temperature"] != 0.5 or o["topK"] != 20 \
            or o["seed"] not in range(1, 5):
        bad.append(f"{i}: the CLI's sampling flags arrived as {o}")
alice = json.load(open(os.path.join(work, "alice.json")))["jobs"]
if any(j["owner"] != "alice" for j in alice):
    bad.append("alice's list holds other users' jobs")
if len(alice) != sum(1 for j in jobs.values() if j["owner"] == "alice"):
    bad.append(f"alice lists {len(alice)} jobs")
m = re.search(r"^huginn_jobs_submitted_total (\d+)", open(os.path.join(work, "metrics.txt")).read(), re.M)
if not m or int(m.group(1)) != len(expect):
    bad.append(f"huginn_jobs_submitted_total {m.group(1) if m else 'missing'}, expected {len(expect)}")
states = {}
for j in jobs.values():
    states[j["state"]] = states.get(j["state"], 0) + 1
for b in bad:
    print("FAIL:", b, file=sys.stderr)
print(f"final: {len(jobs)} jobs {states}")
sys.exit(1 if bad else 0)
P

kill -TERM "$daemon" && wait "$daemon" || fail "huginnd exited $? on SIGTERM"
pids=()
! grep -q 'Sanitizer' huginnd.log || fail "sanitizer report: $(grep -A20 Sanitizer huginnd.log)"
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "huginndConcurrent: all checks passed"
