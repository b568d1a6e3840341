#!/usr/bin/env bash
# huginnd.sh — huginnd end to end over loopback: starts the daemon on a free
# TCP port and a Unix socket in a temporary folder, then drives every route
# with curl: the auth matrix (no token, owner, other user, admin), request
# validation (malformed JSON, schema violations with JSON pointers), unknown
# jobs, invalid transitions, server-sent events, the body limit (413), the
# queue limit (429 + Retry-After), SO_PEERCRED on the socket and its mode,
# the Prometheus exposition (promtool when installed) and that bearer tokens
# never reach the log.
# shellcheck source=lib/huginndLib.bash
source "$(dirname "$0")/lib/huginndLib.bash"
requireTools curl

cat >tokens <<T
# huginnd tokens: sha256 user role
$(hash tok-alice-0123456789) alice user
$(hash tok-bob-0123456789) bob user
$(hash tok-root-0123456789) root admin
T
cat >config.toml <<T
[server]
socketMode = "0600"
T

start() { # start NAME ARGS… — sets $base
  local name=$1; shift
  HUGINN_STORE__PATH="$work/$name.db" "$HUGINND" --config "$work/config.toml" --listen 127.0.0.1:0 --port-file "$work/$name.port" \
    --token-file "$work/tokens" --log-level debug "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$work/$name.port" ] && break; sleep 0.05; done
  [ -s "$work/$name.port" ] || { cat "$work/$name.log" >&2; fail "$name did not start"; exit 1; }
  base="http://127.0.0.1:$(cat "$work/$name.port")"
}

# req METHOD PATH WHO [BODY] — $code and $body of the response; WHO is none|alice|bob|root
req() {
  local method=$1 path=$2 who=$3 data=${4-}
  local args=(-s -o "$work/body" -w '%{http_code}' -X "$method" -D "$work/headers" --max-time "${maxtime:-20}")
  [ "$who" = none ] || args+=(-H "Authorization: Bearer tok-$who-0123456789")
  [ -z "$data" ] || args+=(-H 'Content-Type: application/json' --data-binary "$data")
  code=$(curl "${args[@]}" "$base$path")
  body=$(cat "$work/body")
}
expect() { # expect CODE WHAT
  [ "$code" = "$1" ] || fail "$2: HTTP $code, expected $1 (body: $body)"
}

start main --workers 0 --unix-socket "$work/huginnd.sock"
plan=$(cat "$DATA/plans/fixture-gguf.cpu.json")

# ---- public routes -----------------------------------------------------------
req GET /healthz none; expect 200 healthz; contains "$body" '"ok"' healthz
req GET /readyz none; expect 200 readyz
req GET /nowhere root; expect 404 "unknown route"; contains "$body" HGN-0014 "unknown route"

# ---- submit and the auth matrix -----------------------------------------------
req POST /v1/jobs none "{\"plan\":$plan}"; expect 401 "submit without token"; contains "$body" HGN-0017 "401 body"
grep -qi '^WWW-Authenticate: Bearer' headers || fail "401 without WWW-Authenticate"
req POST /v1/jobs mallory "{\"plan\":$plan}"; expect 401 "submit with an unknown token"
req POST /v1/jobs alice "{\"plan\":$plan,\"priority\":5}"; expect 201 "alice submits inline"
job=$(printf %s "$body" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
[ -n "$job" ] || fail "no job id in $body"
contains "$body" '"owner":"alice"' "submit owner"; contains "$body" '"state":"QUEUED"' "submit state"
req POST /v1/jobs bob "{\"planPath\":\"$DATA/plans/fixture-gguf.cpu.json\"}"; expect 201 "bob submits by path"
bobjob=$(printf %s "$body" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')

for who in none alice bob root; do
  case $who in none) want=401 ;; bob) want=403 ;; *) want=200 ;; esac
  req GET "/v1/jobs/$job" $who; expect $want "GET job as $who"
  maxtime=1 req GET "/v1/jobs/$job/events" $who; expect $want "events as $who"
  for action in pause resume; do
    req POST "/v1/jobs/$job:$action" $who
    [ $want = 200 ] && expect 200 "$action as $who" || expect $want "$action as $who"
  done
done
req GET "/v1/jobs/$job" bob; contains "$body" HGN-0008 "403 names PermissionDenied"
req GET /v1/jobs none; expect 401 "list without token"
req GET /v1/jobs alice; expect 200 "alice lists"; contains "$body" "$job" "alice sees her job"
lacks "$body" "$bobjob" "alice must not see bob's job"
req GET /v1/jobs root; expect 200 "admin lists"; contains "$body" "$bobjob" "admin sees bob's job"
contains "$body" "$job" "admin sees alice's job"
req GET "/v1/jobs?owner=bob" root; lacks "$body" "$job" "admin filters by owner"
req GET /metrics none; expect 401 "metrics without token"
req GET /metrics alice; expect 200 "metrics as user"
req GET /v1/diagnostics none; expect 401 "diagnostics without token"
req GET /v1/diagnostics alice; expect 403 "diagnostics as user"
req GET /v1/diagnostics root; expect 200 "diagnostics as admin"; contains "$body" '"topology"' diagnostics
req POST /v1/plans none '{"model":"x.gguf"}'; expect 401 "plans without token"
req POST /v1/plans alice '{"modell":"x.gguf"}'; expect 400 "plans schema"; contains "$body" HGN-0601 "plans schema"

# ---- transitions, unknown jobs --------------------------------------------------
req POST "/v1/jobs/$job:resume" alice; expect 409 "resume a QUEUED job"; contains "$body" HGN-0500 "409 code"
req POST "/v1/jobs/$job:pause" alice; expect 200 pause; contains "$body" '"state":"PAUSED"' pause
req POST "/v1/jobs/$job:pause" alice; expect 409 "pause twice"
req POST "/v1/jobs/$job:resume" alice; expect 200 resume; contains "$body" '"state":"QUEUED"' resume
req POST "/v1/jobs/$job:explode" alice; expect 404 "unknown action"
req POST "/v1/jobs/$job:cancel" alice '{"force":1}'; expect 400 "action body must be empty"
req GET "/v1/jobs/$job:cancel" alice; expect 405 "GET on an action"
req DELETE /v1/jobs alice; expect 405 "DELETE /v1/jobs"
req GET /v1/jobs/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b alice; expect 404 "unknown job"
contains "$body" HGN-0006 "unknown job code"
req POST /v1/jobs/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b:cancel root; expect 404 "cancel unknown job"

# ---- request validation -----------------------------------------------------------
req POST /v1/jobs alice '{"plan":'; expect 400 "malformed JSON"; contains "$body" HGN-0600 "malformed JSON"
contains "$body" '"where":"body:1:' "malformed JSON position"
req POST /v1/jobs alice '{"planPath":3}'; expect 400 "planPath type"; contains "$body" '"where":"/planPath"' pointer
req POST /v1/jobs alice '{"plan":{},"planPath":"x"}'; expect 400 "plan and planPath"; contains "$body" HGN-0601 oneOf
req POST /v1/jobs alice '{"plan":{}, "priority": 1000}'; expect 400 "priority range"
contains "$body" '"where":"/priority"' "priority pointer"
req POST /v1/jobs alice '{"plan":{"header":1}}'; expect 400 "invalid plan"; contains "$body" HGN-0002 "plan schema"
contains "$body" '"where":"/plan' "plan pointer"
req POST /v1/jobs alice '{"plan":{},"options":{"topP":2}}'; expect 400 "options range"
contains "$body" '"where":"/options/topP"' "options pointer"
req POST /v1/jobs alice '{"plan":{},"options":{"temperature":"hot"}}'; expect 400 "options type"
contains "$body" '"where":"/options/temperature"' "options type pointer"
req POST /v1/jobs alice '{"plan":{},"options":{"topk":5}}'; expect 400 "unknown option"; contains "$body" topk "unknown option named"
req POST /v1/jobs alice '{"planPath":"/nonexistent/plan.json"}'; expect 404 "missing plan file"
req POST /v1/jobs alice '[1,2]'; expect 400 "array body"
req POST /v1/jobs alice ''; expect 400 "empty body"

# ---- server-sent events -------------------------------------------------------------
curl -s -N --max-time 10 -H "Authorization: Bearer tok-alice-0123456789" "$base/v1/jobs/$job/events" >sse &
ssepid=$!
sleep 0.5
req POST "/v1/jobs/$job:cancel" alice; expect 200 cancel; contains "$body" '"state":"CANCELLED"' cancel
wait $ssepid || fail "the event stream did not end when the job ended (curl $?)"
sse=$(cat sse)
contains "$sse" "event: state" "SSE events"; contains "$sse" '"to":"PAUSED"' "SSE history"
contains "$sse" '"to":"CANCELLED"' "SSE live event"; contains "$sse" "event: end" "SSE end"
contains "$sse" "id: " "SSE ids"
last=$(grep '^id: ' sse | tail -1 | cut -d' ' -f2)
resumed=$(curl -s --max-time 5 -H "Authorization: Bearer tok-alice-0123456789" -H "Last-Event-ID: $last" \
  "$base/v1/jobs/$job/events")
lacks "$resumed" '"to":"PAUSED"' "Last-Event-ID skips seen events"
req POST "/v1/jobs/$job:cancel" alice; expect 409 "cancel twice"

# ---- Unix socket: SO_PEERCRED and mode --------------------------------------------------
mode=$(stat -c %a "$work/huginnd.sock")
[ "$mode" = 600 ] || fail "socket mode $mode, expected 600 (server.socketMode)"
sock=$(curl -s --unix-socket "$work/huginnd.sock" http://local/v1/jobs)
contains "$sock" "$bobjob" "the daemon's own user is admin on the socket"
sockcode=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$work/huginnd.sock" \
  -H 'Authorization: Bearer wrong' http://local/v1/jobs)
[ "$sockcode" = 401 ] || fail "a wrong token on the socket gave $sockcode, expected 401"

# ---- metrics ---------------------------------------------------------------------------------
req GET /metrics root
contains "$body" "huginn_jobs_submitted_total 2" "submitted counter"
contains "$body" 'huginn_http_requests_total{route="/v1/jobs",code="201"} 2' "HTTP counter"
contains "$body" 'huginn_job_transitions_total{from="QUEUED",to="CANCELLED"} 1' transitions
contains "$body" 'huginn_http_request_duration_seconds_bucket{route="/v1/jobs/{id}",le="+Inf"}' histogram
contains "$body" "huginn_queue_depth 1" "queue depth"
cp "$work/body" metrics.txt
if command -v promtool >/dev/null; then
  promtool check metrics <metrics.txt >promtool.out 2>&1 || fail "promtool check metrics: $(cat promtool.out)"
else
  echo "SKIP promtool: not installed (Debian package prometheus)"
fi

# ---- server.auth.token: one shared admin token instead of a token file --------------------------
HUGINN_STORE__PATH=$work/shared.db HUGINN_SERVER__AUTH__TOKEN=shared-secret-42 "$HUGINND" --listen 127.0.0.1:0 \
  --port-file "$work/shared.port" --workers 0 --log-level debug >"$work/shared.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/shared.port" ] && break; sleep 0.05; done
sharedbase=http://127.0.0.1:$(cat "$work/shared.port")
c=$(curl -s -o /dev/null -w '%{http_code}' "$sharedbase/v1/jobs")
[ "$c" = 401 ] || fail "shared token: no token gave $c"
c=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer shared-secret-42' "$sharedbase/v1/diagnostics")
[ "$c" = 200 ] || fail "shared token: the admin token gave $c"
! grep -q shared-secret-42 "$work/shared.log" || fail "server.auth.token appears in the log"

# ---- a real Prometheus server scrapes huginnd --------------------------------------------------------
if command -v prometheus >/dev/null; then
  printf %s tok-alice-0123456789 >scrape.token
  cat >prometheus.yml <<P
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: huginnd
    authorization: {credentials_file: $work/scrape.token}
    static_configs: [{targets: ["${base#http://}"]}]
P
  promport=$(( (RANDOM % 20000) + 30000 ))
  prometheus --config.file=prometheus.yml --storage.tsdb.path="$work/tsdb" \
    --web.listen-address="127.0.0.1:$promport" >prometheus.log 2>&1 &
  pids+=($!)
  scraped=
  for _ in $(seq 100); do
    q=$(curl -s "http://127.0.0.1:$promport/api/v1/query?query=huginn_jobs_submitted_total" 2>/dev/null)
    case $q in *'"value":['*'"2"]'*) scraped=$q; break ;; esac
    sleep 0.2
  done
  [ -n "$scraped" ] || fail "Prometheus did not scrape huginn_jobs_submitted_total=2 (last answer: ${q:-none}; $(tail -5 prometheus.log))"
  up=$(curl -s "http://127.0.0.1:$promport/api/v1/targets")
  contains "$up" '"health":"up"' "Prometheus target health"
else
  echo "SKIP Prometheus scrape: prometheus is not installed"
fi

# ---- limits: body size and queue ------------------------------------------------------------------
start small --workers 0 --max-body-bytes 1000 --queue-limit 2
big=$(head -c 3000 /dev/zero | tr '\0' ' ')
req POST /v1/jobs alice "{\"plan\":{}$big}"; expect 413 "body over maxBodyBytes"
req POST /v1/jobs alice '{"planPath":"'"$DATA"'/plans/fixture-gguf.cpu.json"}'; expect 201 "queue 1"
req POST /v1/jobs bob '{"planPath":"'"$DATA"'/plans/fixture-gguf.cpu.json"}'; expect 201 "queue 2"
req POST /v1/jobs alice '{"planPath":"'"$DATA"'/plans/fixture-gguf.cpu.json"}'; expect 429 "queue full"
contains "$body" HGN-0501 "429 code"
grep -qi '^Retry-After: [0-9]' headers || fail "429 without Retry-After"

# ---- a job runs to completion through the local runtime (one worker) ---------------------
start run --workers 1
req POST /v1/jobs alice '{"planPath":"'"$DATA"'/runtime/fixture.plan.json","prompt":"Hello","maxTokens":4}'
expect 201 "submit the fixture plan"
runjob=$(printf %s "$body" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
curl -s -N --max-time 60 -H "Authorization: Bearer tok-alice-0123456789" "$base/v1/jobs/$runjob/events" >runsse ||
  fail "the event stream of a running job did not end (curl $?)"
contains "$(cat runsse)" '"to":"RUNNING"' "run: RUNNING event"
contains "$(cat runsse)" '"to":"COMPLETED"' "run: COMPLETED event"
req GET "/v1/jobs/$runjob" alice; contains "$body" '"state":"COMPLETED"' "run: final state"
req GET /metrics root; contains "$body" 'huginn_job_transitions_total{from="RUNNING",to="COMPLETED"} 1' "run metrics"

# ---- optional TLS (libmicrohttpd with GnuTLS) --------------------------------------------------
if command -v openssl >/dev/null &&
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout key.pem -out cert.pem \
    -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
  HUGINN_SERVER__TLS__CERT=$work/cert.pem HUGINN_SERVER__TLS__KEY=$work/key.pem start tls --workers 0
  tlsbase=${base/http:/https:}
  got=$(curl -s --cacert cert.pem -H "Authorization: Bearer tok-root-0123456789" "$tlsbase/v1/jobs")
  contains "$got" '"jobs"' "TLS request"
  curl -s --max-time 3 "$base/healthz" >/dev/null && fail "plain HTTP must not work on the TLS port"
  curl -s --max-time 3 "$tlsbase/healthz" >/dev/null && fail "an untrusted certificate must be refused by curl"
else
  echo "SKIP TLS: openssl cannot make a self-signed certificate"
fi

# ---- POST /v1/plans: plan a registry id or a server-side model for inline hardware or this host ------
base="http://127.0.0.1:$(cat "$work/main.port")"
hwJson=$(cat "$DATA/hardware/rtx4090.json")
req POST /v1/plans alice '{"model":"llama-3.1-8b","context":8192,"hardware":'"$hwJson"'}'; expect 200 "plan a registry id"
contains "$body" '"nodes"' "plan JSON"; contains "$body" '"gpu:0"' "plan on the inline hardware"
printf %s "$body" >"$work/served.json"
"$HUGINN" plan --check "$work/served.json" >/dev/null 2>&1 || fail "the served plan does not validate"
"$HUGINN" plan llama-3.1-8b --hardware "$DATA/hardware/rtx4090.json" --context 8192 --out "$work/cli.json" >/dev/null 2>&1
"$HUGINN" plan diff "$work/cli.json" "$work/served.json" 2>&1 | grep -q "same plan" ||
  fail "the served plan differs from huginn plan's: $("$HUGINN" plan diff "$work/cli.json" "$work/served.json" 2>&1)"
req POST /v1/plans alice '{"model":"'"$DATA"'/fixture/model-f32.gguf","policy":"balanced","objective":"throughput","batch":2}'
expect 200 "plan a server-side GGUF for this host"; contains "$body" '"cpu:0"' "this host's plan"
req POST /v1/plans alice '{"model":"llama-3.1-70b","context":131072,"batch":4,"hardware":'"$(cat "$DATA/hardware/gpu6plus24.json")"'}'
expect 422 "over budget"; contains "$body" HGN-0003 "over budget code"; contains "$body" "does not fit" "over budget ledger"
req POST /v1/plans alice '{"model":"no-such-model"}'; expect 404 "unknown model"; contains "$body" HGN-0014 "unknown model code"
req POST /v1/plans alice '{"model":"llama-3.1-8b","policy":"fastest"}'; expect 400 "bad policy"; contains "$body" /policy "policy pointer"
req POST /v1/plans alice '{"model":"llama-3.1-8b","context":0}'; expect 400 "bad context"; contains "$body" HGN-0601 "context schema"
req POST /v1/plans alice '{"model":"llama-3.1-8b","hardware":{"devices":"many"}}'; expect 400 "bad hardware"
contains "$body" /hardware "hardware pointer"
req POST /v1/plans alice '{"model":"'"$DATA"'/fixture/README.md"}'; expect 400 "not a model"; contains "$body" HGN-0102 "not a model code"

# ---- tokens never reach the logs -------------------------------------------------------------------
for l in main small run tls shared; do
  [ -f "$work/$l.log" ] || continue
  ! grep -q 'tok-' "$work/$l.log" || fail "a bearer token appears in the $l log"
done
grep -q 'submitted by alice' main.log || fail "the log records submissions (log: $(cat main.log))"

# ---- clean shutdown on SIGTERM (under ASan: no leak, no error report) -------------------------------
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
for p in "${pids[@]}"; do wait "$p" || fail "huginnd (pid $p) exited $? on SIGTERM"; done
pids=()
for l in main small run tls shared; do
  [ -f "$work/$l.log" ] || continue
  ! grep -q 'Sanitizer' "$work/$l.log" || fail "sanitizer report in the $l log: $(grep -A20 Sanitizer "$work/$l.log")"
done
[ ! -e "$work/huginnd.sock" ] || fail "the Unix socket was not removed at shutdown"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "huginnd: all checks passed"
