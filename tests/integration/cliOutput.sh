#!/usr/bin/env bash
# cliOutput.sh — colours (NO_COLOR, --no-color, CLICOLOR_FORCE), --json keeping
# stdout machine-readable while logs go to stderr, -v/-q levels, --log-file,
# and the host summary of `huginn diagnose`.
set -u
: "${HUGINN:?HUGINN must point at the huginn binary}"
HUGINN=$(cd "$(dirname "$HUGINN")" && pwd)/$(basename "$HUGINN")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/xdg
unset HUGINN_PROFILE NO_COLOR CLICOLOR_FORCE
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
esc=$'\033['
hasEsc() { case "$1" in *"$esc"*) return 0 ;; *) return 1 ;; esac; }

# colours: off for pipes by default, forced by CLICOLOR_FORCE, and NO_COLOR / --no-color always win
out=$("$HUGINN" help errors);                                   hasEsc "$out" && fail "colour on a pipe"
out=$(CLICOLOR_FORCE=1 "$HUGINN" help errors);                  hasEsc "$out" || fail "CLICOLOR_FORCE gave no colour"
out=$(CLICOLOR_FORCE=1 NO_COLOR=1 "$HUGINN" help errors);       hasEsc "$out" && fail "NO_COLOR ignored"
out=$(CLICOLOR_FORCE=1 "$HUGINN" help errors --no-color);       hasEsc "$out" && fail "--no-color ignored"
out=$(CLICOLOR_FORCE=1 "$HUGINN" --no-color help plan);         hasEsc "$out" && fail "--no-color before the command ignored"
out=$(CLICOLOR_FORCE=1 NO_COLOR= "$HUGINN" help plan);          hasEsc "$out" || fail "empty NO_COLOR must not disable colour"
err=$(CLICOLOR_FORCE=1 "$HUGINN" pln 2>&1 >/dev/null);          hasEsc "$err" || fail "no colour on a forced error"
err=$(CLICOLOR_FORCE=1 NO_COLOR=1 "$HUGINN" pln 2>&1 >/dev/null); hasEsc "$err" && fail "NO_COLOR ignored on errors"
out=$(CLICOLOR_FORCE=1 "$HUGINN" --json help errors);           hasEsc "$out" && fail "colour in --json output"
out=$(CLICOLOR_FORCE=1 TERM=dumb "$HUGINN" help errors);        hasEsc "$out" || fail "CLICOLOR_FORCE must beat TERM=dumb"

# --json: stdout holds exactly one JSON document even with debug logging on stderr
"$HUGINN" --json -vvv diagnose >out.json 2>err.txt || fail "diagnose --json -vvv"
python3 -c '
import json
d = json.load(open("out.json"))
assert d["cpu"]["logicalCores"] >= 1 and d["memory"]["totalBytes"] > 0 and d["host"]["os"], d' \
  || fail "diagnose --json document"
grep -q 'DEBUG' err.txt || fail "-vvv did not log at debug level on stderr"
grep -q 'DEBUG' out.json && fail "logs leaked to stdout"

# -q silences the debug record, the JSON log format is JSON lines
"$HUGINN" -q version >/dev/null 2>err.txt; [ -s err.txt ] && fail "-q still logged: $(cat err.txt)"
"$HUGINN" -vv --log-format json version >/dev/null 2>err.txt || fail "--log-format json"
python3 -c '
import json
lines = [l for l in open("err.txt") if l.strip()]
assert lines, "no log lines"
for l in lines: json.loads(l)' || fail "--log-format json lines: $(cat err.txt)"
"$HUGINN" -vv --log-file "$work/h.log" version >/dev/null 2>&1 || fail "--log-file"
[ -s "$work/h.log" ] || fail "--log-file wrote nothing"

# diagnose text report (its content is checked in diagnose.sh)
out=$("$HUGINN" diagnose) || fail "diagnose exited non-zero"
for k in Host CPU Memory GPUs; do
  printf '%s\n' "$out" | grep -q "^$k" || fail "diagnose lacks '$k': $out"
done

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "cliOutput: all passed"
