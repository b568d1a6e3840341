#!/usr/bin/env bash
# cliJobs.sh — `huginn jobs`, `status` and `cancel` on the embedded job store:
# the store is created under XDG_STATE_HOME, a job written into it (through the
# sqlite3 shell, as another manager would) is listed, shown, cancelled once,
# and a second cancel is HGN-0500 InvalidTransition (exit 4).
set -u
: "${HUGINN:?HUGINN must point at the huginn binary}"
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 shell"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/xdg XDG_STATE_HOME=$work/state
unset HUGINN_PROFILE
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

"$HUGINN" jobs >/dev/null || fail "jobs on an empty store"
db=$work/state/huginn/jobs.db
[ -e "$db" ] || fail "no store at $db"
[ "$(sqlite3 "$db" 'SELECT version FROM schema_version')" = 4 ] || fail "schema version"
id=01900000-0000-7000-8000-000000000001
sqlite3 "$db" "INSERT INTO jobs (id, owner, plan_json, state, created_ms, updated_ms) VALUES ('$id', 'alice', '{}', 0, 1, 1)" \
  || fail "insert"

out=$("$HUGINN" jobs) || fail "jobs"
case "$out" in *"$id"*QUEUED*alice*) ;; *) fail "jobs lists the queued job: $out" ;; esac
out=$("$HUGINN" --json status "$id") || fail "status --json"
state=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
[ "$state" = QUEUED ] || fail "status says $state"
out=$("$HUGINN" cancel "$id") || fail "cancel"
case "$out" in *CANCELLED*) ;; *) fail "cancel output: $out" ;; esac
"$HUGINN" cancel "$id" >/dev/null 2>"$work/err"; rc=$?
[ $rc -eq 4 ] || fail "second cancel exited $rc, expected 4"
grep -q 'HGN-0500' "$work/err" || fail "second cancel: $(cat "$work/err")"
out=$("$HUGINN" jobs) || fail "jobs after cancel"
case "$out" in *"$id"*) fail "a cancelled job is listed without --all" ;; esac
out=$("$HUGINN" jobs --all --json) || fail "jobs --all --json"
n=$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["jobs"]))')
[ "$n" = 1 ] || fail "jobs --all lists $n jobs"
"$HUGINN" status 01900000-0000-7000-8000-00000000ffff >/dev/null 2>&1; rc=$?
[ $rc -eq 6 ] || fail "unknown job exited $rc, expected 6"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM events WHERE job_id = '$id'")" -ge 1 ] || fail "no event recorded"

[ $failures -eq 0 ] && echo "cliJobs: all checks passed"
exit $failures
