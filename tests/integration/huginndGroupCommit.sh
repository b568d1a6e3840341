#!/usr/bin/env bash
# huginndGroupCommit.sh — huginnd's submission path with group commit: 32
# concurrent POST /v1/jobs (by plan path) all get 201 with distinct ids and
# each job is in the store exactly once (sqlite3 on the store, when installed);
# the owner quota holds exactly under concurrent submissions (429s past it);
# a plan file is validated by its content, not its path (rewriting a path that
# validated with an invalid plan gives 400 again); store.groupCommit=1 works.
# shellcheck source=lib/huginndLib.bash
source "$(dirname "$0")/lib/huginndLib.bash"
requireTools curl

printf '%s alice user\n%s root admin\n' "$(hash tok-alice-0123456789)" "$(hash tok-root-0123456789)" >tokens

start() { # start NAME GROUP_COMMIT — sets $base
  HUGINN_STORE__PATH="$work/$1.db" HUGINN_STORE__GROUP_COMMIT=$2 "$HUGINND" --listen 127.0.0.1:0 \
    --port-file "$work/$1.port" --token-file "$work/tokens" --workers 0 --queue-limit 100000 \
    --log-level error >"$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$work/$1.port" ] && break; sleep 0.05; done
  [ -s "$work/$1.port" ] || { cat "$work/$1.log" >&2; fail "$1 did not start"; exit 1; }
  base="http://127.0.0.1:$(cat "$work/$1.port")"
}
post() { # post BODY OUT — writes "CODE BODY" into OUT
  curl -s -o "$2.body" -w '%{http_code}' --max-time 20 -H "Authorization: Bearer tok-alice-0123456789" \
    -H 'Content-Type: application/json' --data-binary "$1" "$base/v1/jobs" >"$2.code"
}

for gc in 256 1; do
  start "gc$gc" "$gc"
  for i in $(seq 32); do post "{\"planPath\":\"$DATA/plans/fixture-gguf.cpu.json\"}" "$work/p$gc-$i" & done
  wait $(jobs -p | grep -v -F -x -f <(printf '%s\n' "${pids[@]}")) 2>/dev/null
  ok=0
  for i in $(seq 32); do
    [ "$(cat "$work/p$gc-$i.code")" = 201 ] && ok=$((ok + 1))
    sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$work/p$gc-$i.body"
  done >"$work/ids$gc"
  [ $ok = 32 ] || fail "groupCommit=$gc: $ok of 32 submissions got 201"
  [ "$(sort -u "$work/ids$gc" | wc -l)" = 32 ] || fail "groupCommit=$gc: ids are not 32 distinct ones"
  if command -v sqlite3 >/dev/null; then
    n=$(sqlite3 "$work/gc$gc.db" "SELECT COUNT(*) FROM jobs")
    d=$(sqlite3 "$work/gc$gc.db" "SELECT COUNT(DISTINCT id) FROM jobs")
    [ "$n" = 32 ] && [ "$d" = 32 ] || fail "groupCommit=$gc: the store holds $n rows ($d distinct), not 32"
    for id in $(cat "$work/ids$gc"); do
      [ "$(sqlite3 "$work/gc$gc.db" "SELECT COUNT(*) FROM jobs WHERE id = '$id'")" = 1 ] ||
        fail "groupCommit=$gc: job $id is not stored exactly once"
    done
  fi
done

# the owner quota (1,000 by default) under concurrency: 990 more from 30 parallel clients on top of
# the 32 above → exactly 968 accepted, the rest 429
start quota 256
for i in $(seq 32); do post "{\"planPath\":\"$DATA/plans/fixture-gguf.cpu.json\"}" "$work/q0-$i"; done
seq 990 | xargs -P 30 -I{} sh -c "curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 \
  -H 'Authorization: Bearer tok-alice-0123456789' -H 'Content-Type: application/json' \
  --data-binary '{\"planPath\":\"$DATA/plans/fixture-gguf.cpu.json\"}' $base/v1/jobs" >"$work/quota.codes"
accepted=$(grep -c '^201$' "$work/quota.codes")
refused=$(grep -c '^429$' "$work/quota.codes")
[ "$accepted" = 968 ] && [ "$refused" = 22 ] || fail "owner quota: $accepted accepted, $refused refused (want 968 and 22)"

# a plan file is checked by its content: valid, then invalid at the same path, then valid again
cp "$DATA/plans/fixture-gguf.cpu.json" "$work/plan.json"
post "{\"planPath\":\"$work/plan.json\"}" "$work/v1"
[ "$(cat "$work/v1.code")" = 429 ] || [ "$(cat "$work/v1.code")" = 201 ] || fail "valid plan by path: $(cat "$work/v1.code")"
sed 's/"nodes"/"nodez"/' "$DATA/plans/fixture-gguf.cpu.json" >"$work/plan.json"
post "{\"planPath\":\"$work/plan.json\"}" "$work/v2"
[ "$(cat "$work/v2.code")" = 400 ] || fail "invalid plan at a path that validated before: $(cat "$work/v2.code")"
grep -q HGN-0002 "$work/v2.body" || fail "invalid plan: not HGN-0002: $(cat "$work/v2.body")"
printf '{' >"$work/plan.json"
post "{\"planPath\":\"$work/plan.json\"}" "$work/v3"
[ "$(cat "$work/v3.code")" = 400 ] || fail "malformed plan file: $(cat "$work/v3.code")"

[ $failures = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "huginndGroupCommit: all checks passed"
