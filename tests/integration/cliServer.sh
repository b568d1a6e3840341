#!/usr/bin/env bash
# cliServer.sh — the CLI against huginnd: `huginn execute --server` submits an
# inline plan and --follow streams it to COMPLETED; its sampling flags reach
# the job (same seed, same text as a local run; a bad one named before
# sending); status, cancel and jobs go through the server with --server or
# server.url; a bad token gives the server's HGN-0017, a stopped server
# HGN-0011 naming the URL; --local keeps the local store; the token never
# reaches the output.
# shellcheck source=lib/huginndLib.bash
source "$(dirname "$0")/lib/huginndLib.bash"

cat >tokens <<T
$(hash tok-alice-0123456789) alice user
$(hash tok-bob-0123456789) bob user
T
: >config.toml

start() { # start NAME ARGS… — sets $base
  local name=$1; shift
  HUGINN_STORE__PATH="$work/$name.db" "$HUGINND" --config "$work/config.toml" --listen 127.0.0.1:0 \
    --port-file "$work/$name.port" --token-file "$work/tokens" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$work/$name.port" ] && break; sleep 0.05; done
  [ -s "$work/$name.port" ] || { cat "$work/$name.log" >&2; fail "$name did not start"; exit 1; }
  base="http://127.0.0.1:$(cat "$work/$name.port")"
}

plan=$DATA/runtime/fixture.plan.json
start run --workers 1
export HUGINN_TOKEN=tok-alice-0123456789

# ---- execute --server --follow: submits inline, streams to COMPLETED ------------
out=$("$HUGINN" execute "$plan" --prompt Hello --max-tokens 4 --server "$base" --follow 2>"$work/err"); rc=$?
[ "$rc" = 0 ] || fail "execute --follow: exit $rc ($out / $(cat "$work/err"))"
contains "$out" "-> RUNNING" "follow: RUNNING transition"
contains "$out" "-> COMPLETED" "follow: COMPLETED transition"
job=$(printf %s "$out" | head -1)
[ -n "$job" ] || fail "no job id printed"

# ---- sampling flags travel as the job's options: same seed, same text as a local run ----
if command -v python3 >/dev/null; then
  flags=(--prompt Hello --max-tokens 12 --seed 7 --temperature 0.9 --top-k 30 --ignore-eos)
  here=$("$HUGINN" execute "$plan" "${flags[@]}" --local --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["text"]))')
  there=$("$HUGINN" execute "$plan" "${flags[@]}" --server "$base" --follow --json 2>/dev/null)
  contains "$there" '"options": {' "the job records its options"
  contains "$there" '"topK": 30' "--top-k reaches the job"
  there=$(printf %s "$there" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["result"]))')
  [ -n "$here" ] && [ "$here" = "$there" ] || fail "server text $there differs from the local run's $here"
else
  echo "SKIP sampling over the server: python3 is not installed"
fi
out=$("$HUGINN" execute "$plan" --prompt Hi --top-p 0 --server "$base" 2>&1); rc=$?
[ "$rc" = 2 ] || fail "--top-p 0 with a server: exit $rc, expected 2"
contains "$out" "--top-p" "bad sampling flag named"; contains "$out" "(0, 1]" "bad sampling flag range"

# ---- status / jobs through the server -------------------------------------------
out=$("$HUGINN" status "$job" --server "$base"); rc=$?
[ "$rc" = 0 ] || fail "status: exit $rc"
contains "$out" "$job" "status shows the job"; contains "$out" COMPLETED "status state"; contains "$out" alice "status owner"
out=$("$HUGINN" status "$job" --server "$base" --json)
contains "$out" '"state": "COMPLETED"' "status --json"
out=$("$HUGINN" jobs --all --server "$base"); contains "$out" "$job" "jobs --all lists the job"
out=$("$HUGINN" jobs --server "$base"); lacks "$out" "$job" "jobs lists only active ones"
out=$("$HUGINN" jobs --all --json --server "$base"); contains "$out" '"jobs"' "jobs --json"

# ---- submit without following (server.url from the environment) ---------------
start idle --workers 0
out=$(HUGINN_SERVER__URL=$base "$HUGINN" execute "$plan" --prompt Hi --max-tokens 2); rc=$?
[ "$rc" = 0 ] || fail "execute via server.url: exit $rc ($out)"
job2=$out
case "$job2" in *[[:space:]]* | "") fail "execute prints just the job id, got '$job2'" ;; esac
out=$(HUGINN_SERVER__URL=$base "$HUGINN" execute "$plan" --prompt Hi --json); contains "$out" '"state": "QUEUED"' "execute --json: job record"
out=$(HUGINN_SERVER__URL=$base "$HUGINN" status); contains "$out" "$job2" "status lists active jobs"
out=$("$HUGINN" cancel "$job2" --server "$base"); rc=$?
[ "$rc" = 0 ] || fail "cancel: exit $rc ($out)"
contains "$out" CANCELLED "cancel: state"
out=$("$HUGINN" cancel "$job2" --server "$base" 2>&1); rc=$?
[ "$rc" != 0 ] || fail "cancelling twice succeeds"
contains "$out" HGN- "second cancel: HGN error"
out=$("$HUGINN" status 01NOSUCHJOB0000000000000000 --server "$base" 2>&1); rc=$?
contains "$out" HGN-0006 "unknown job: server code"; [ "$rc" = 6 ] || fail "unknown job: exit $rc, expected 6"

# ---- auth failures: the server's code, the token never printed ------------------
out=$(HUGINN_TOKEN=tok-mallory-0123456789 "$HUGINN" jobs --server "$base" 2>&1); rc=$?
contains "$out" HGN-0017 "bad token"; [ "$rc" = 7 ] || fail "bad token: exit $rc, expected 7"
lacks "$out" tok-mallory "token in the output"
out=$(HUGINN_TOKEN=tok-bob-0123456789 "$HUGINN" status "$job" --server "$base" 2>&1); rc=$?
[ "$rc" != 0 ] || fail "bob sees alice's job"
out=$(HUGINN_TOKEN= "$HUGINN" jobs --server "$base" 2>&1); contains "$out" HGN-0017 "no token"
printf '[server.auth]\ntoken = "tok-alice-0123456789"\n' >client.toml
out=$(HUGINN_TOKEN= "$HUGINN" --config client.toml jobs --all --server "$base" 2>&1); contains "$out" "$job2" "token from server.auth.token"

# ---- --local keeps the local store even with server.url set --------------------
out=$(HUGINN_SERVER__URL=$base "$HUGINN" jobs --all --local 2>&1); rc=$?
[ "$rc" = 0 ] || fail "jobs --local: exit $rc ($out)"
lacks "$out" "$job2" "--local must not ask the server"
out=$("$HUGINN" jobs --local --server "$base" 2>&1); contains "$out" HGN-0009 "--local conflicts with --server"

# ---- server down: HGN-0011 naming the URL ---------------------------------------
dead="http://127.0.0.1:$(cat "$work/idle.port")"
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null
out=$("$HUGINN" jobs --server "$dead" 2>&1); rc=$?
contains "$out" HGN-0011 "server down"; contains "$out" "$dead" "server down names the URL"
[ "$rc" = 9 ] || fail "server down: exit $rc, expected 9"
out=$("$HUGINN" execute "$plan" --prompt Hi --server "$dead" 2>&1); contains "$out" HGN-0011 "execute, server down"

for f in "$work"/*.log; do grep -q tok-alice "$f" && fail "token in $(basename "$f")"; done
[ "$failures" = 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "cliServer: all checks passed"
