#!/usr/bin/env bash
# jobsConfig.sh — the [jobs] configuration section through the binaries:
# `huginn config validate` and `config show` on good and bad [jobs] files,
# huginnd refusing to start on a bad value (HGN-0001 naming the key, exit 3),
# and the old server.queueLimit key refused with its new name in the docs.
set -u
: "${HUGINN:?HUGINN must point at the huginn binary}"
HUGINND=$(cd "$(dirname "$HUGINN")" && pwd)/huginnd
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/xdg
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
contains() { case "$1" in *"$2"*) ;; *) fail "$3: expected to contain '$2', got: $1" ;; esac; }

cat >good.toml <<'T'
[jobs]
maxMemoryPerOwner = 68719476736
cancelTimeoutMs = 10000

[jobs.retry]
maxAttempts = 5
limits = { DeviceLost = 4, OutOfMemory = 0 }
T
"$HUGINN" config validate good.toml >/dev/null 2>&1 || fail "a good [jobs] file must validate"
out=$("$HUGINN" --config good.toml config show 2>&1)
contains "$out" "jobs.cancelTimeoutMs" "config show lists jobs keys"
contains "$out" "10000" "config show shows the file's value"

check() { # file text, key expected in the error
  printf '%s\n' "$1" >bad.toml
  out=$("$HUGINN" config validate bad.toml 2>&1)
  rc=$?
  [ "$rc" -eq 3 ] || fail "config validate of '$1': exit $rc, expected 3 (HGN-0001)"
  contains "$out" "HGN-0001" "config validate of '$1'"
  contains "$out" "$2" "config validate of '$1' names the key"
}
check '[jobs]
leaseMs = 5' leaseMs
check '[jobs]
cancelTimeoutMs = "soon"' cancelTimeoutMs
check '[jobs.retry.limits]
InvalidInput = 2' InvalidInput
check '[jobs.retry]
maxAttempts = 0' maxAttempts
check '[server]
queueLimit = 5' queueLimit
check '[store]
groupCommit = 0' groupCommit
check '[store]
groupCommit = 5000' groupCommit

# huginnd: schema errors and the cross-field check (backoffCapMs below backoffBaseMs) stop the start
if [ -x "$HUGINND" ]; then
  printf '[server]\nlisten = "127.0.0.1:0"\n[jobs]\nmaxRunningPerOwner = 0\n' >d1.toml
  out=$(timeout 20 "$HUGINND" --config d1.toml --workers 0 2>&1)
  rc=$?
  [ "$rc" -eq 3 ] || fail "huginnd with maxRunningPerOwner = 0: exit $rc, expected 3"
  contains "$out" "maxRunningPerOwner" "huginnd names the bad key"
  printf '[server]\nlisten = "127.0.0.1:0"\n[store]\npath = "%s/jobs.db"\n[jobs.retry]\nbackoffBaseMs = 100\nbackoffCapMs = 50\n' \
    "$work" >d2.toml
  out=$(timeout 20 "$HUGINND" --config d2.toml --workers 0 2>&1)
  rc=$?
  [ "$rc" -eq 3 ] || fail "huginnd with backoffCapMs < backoffBaseMs: exit $rc, expected 3"
  contains "$out" "jobs.retry.backoffCapMs" "huginnd names the cross-field key"
fi

[ "$failures" -eq 0 ] && echo "jobsConfig: ok"
exit $((failures > 0))
