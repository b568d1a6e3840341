#!/usr/bin/env bash
# cliConfig.sh — `huginn` and the layered configuration: config show (values,
# sources, secrets as ***), flags mapped to keys (--log-format, -v/-q,
# --no-color, command options), config validate / parse, and a bad
# configuration (file, profile or environment) failing with HGN-0001, exit 3,
# before anything runs.
set -u
: "${HUGINN:?HUGINN must point at the huginn binary}"
HUGINN=$(cd "$(dirname "$HUGINN")" && pwd)/$(basename "$HUGINN")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/xdg
unset HUGINN_PROFILE
for v in $(env | sed -n 's/^\(HUGINN_[A-Z_]*__[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# value PATH FIELD — from the `config show --json` document in show.json
value() {
  python3 -c '
import json, sys
d = json.load(open("show.json"))
print([v for v in d["values"] if v["path"] == sys.argv[1]][0][sys.argv[2]])' "$1" "$2"
}

printf 'GGUF\3\0\0\0\0\0\0\0' > model.gguf
cat > good.toml <<'TOML'
[logging]
level = "warn"
[planner]
policy = "throughput-max"
[server.auth]
token = "s3cret-token"
[profile.fast]
planner.batchSize = 8
TOML

# defaults, then a file, a profile, flags; each value keeps its source
"$HUGINN" config show --json > show.json || fail "config show --json"
[ "$(value logging.level source)" = default ] || fail "default source"
"$HUGINN" --config good.toml --profile fast config show --json > show.json || fail "config show with a file"
[ "$(value planner.policy value)" = throughput-max ] || fail "file value"
case "$(value planner.policy source)" in file:*good.toml*) ;; *) fail "file source: $(value planner.policy source)" ;; esac
[ "$(value planner.batchSize value)" = 8 ] || fail "profile value"
case "$(value planner.batchSize source)" in profile:fast*) ;; *) fail "profile source" ;; esac
[ "$(value server.auth.token value)" = '***' ] || fail "secret shown: $(value server.auth.token value)"
python3 -c 'import json; assert json.load(open("show.json"))["profile"] == "fast"' || fail "profile name"
out=$("$HUGINN" --config good.toml config show) || fail "config show (text)"
case "$out" in *s3cret-token*) fail "secret in the table" ;; esac
case "$out" in *KEY*VALUE*SOURCE*) ;; *) fail "config show table header: $out" ;; esac

# flags become configuration values with source flag:--opt; -v/-q shift the configured level
"$HUGINN" --config good.toml --log-format json --no-color -v config show --json > show.json 2>/dev/null || fail "flags"
[ "$(value logging.format value)" = json ] && [ "$(value logging.format source)" = flag:--log-format ] \
  || fail "--log-format → logging.format"
[ "$(value logging.color value)" = never ] || fail "--no-color → logging.color"
[ "$(value logging.level value)" = info ] && [ "$(value logging.level source)" = flag:-v ] \
  || fail "-v from warn: $(value logging.level value) $(value logging.level source)"
"$HUGINN" -qqqq config show --json > show.json || fail "-qqqq"
[ "$(value logging.level value)" = error ] || fail "-q clamps at error: $(value logging.level value)"
HUGINN_LOGGING__LEVEL=debug "$HUGINN" config show --json > show.json 2>/dev/null || fail "env"
[ "$(value logging.level source)" = env:HUGINN_LOGGING__LEVEL ] || fail "env source: $(value logging.level source)"

# command options that map to configuration are what a dry run reports
out=$("$HUGINN" --config good.toml plan model.gguf --dry-run) || fail "plan dry run with config"
case "$out" in *"policy throughput-max"*) ;; *) fail "plan did not take planner.policy from the file: $out" ;; esac
out=$("$HUGINN" --config good.toml plan model.gguf --policy balanced --context 1024 --dry-run)
case "$out" in *"policy balanced"*"context 1024"*) ;; *) fail "flags must beat the file: $out" ;; esac

# a bad configuration: HGN-0001, exit 3, nothing run (no dry-run report on stdout)
printf '[logging]\nlevel = "loud"\n' > bad.toml
printf '[planner]\npolicy = \n' > broken.toml
for args in "--config bad.toml" "--config broken.toml" "--config missing.toml" "--profile nosuch"; do
  out=$("$HUGINN" $args plan model.gguf --dry-run 2>err.txt); rc=$?
  [ $rc -eq 3 ] || fail "$args: exit $rc, expected 3"
  [ -z "$out" ] || fail "$args: something ran: $out"
  grep -q 'HGN-0001 InvalidConfig' err.txt || fail "$args: $(cat err.txt)"
done
out=$(HUGINN_PLANNER__BATCHSIZE=lots "$HUGINN" --json jobs --dry-run); rc=$?
[ $rc -eq 3 ] || fail "bad environment value: exit $rc"
printf '%s' "$out" | python3 -c 'import json,sys; assert json.load(sys.stdin)["error"]["code"] == "HGN-0001"' \
  || fail "bad environment value, --json: $out"
mkdir -p xdg/huginn && cp bad.toml xdg/huginn/config.toml
"$HUGINN" cancel job-1 --dry-run >/dev/null 2>&1; [ $? -eq 3 ] || fail "bad user config not reported"
"$HUGINN" version >/dev/null || fail "version must run without configuration"
"$HUGINN" help >/dev/null || fail "help must run without configuration"
"$HUGINN" config validate good.toml >/dev/null || fail "config validate must run despite a bad user config"
rm xdg/huginn/config.toml

# config validate
out=$("$HUGINN" config validate good.toml) || fail "validate good.toml"
case "$out" in *"valid"*) ;; *) fail "validate output: $out" ;; esac
"$HUGINN" config validate bad.toml 2>err.txt; [ $? -eq 3 ] || fail "validate bad.toml exit"
grep -q 'bad.toml' err.txt || fail "validate names the file: $(cat err.txt)"
"$HUGINN" --json config validate good.toml | python3 -c 'import json,sys; assert json.load(sys.stdin)["valid"] is True' \
  || fail "validate --json"

# config parse: TOML → JSON
printf 'a = 1\nb = [1.5, "x"]\n[t]\nd = 1979-05-27T07:32:00Z\n' > any.toml
"$HUGINN" config parse any.toml | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d == {"a": 1, "b": [1.5, "x"], "t": {"d": "1979-05-27T07:32:00Z"}}, d' || fail "config parse"
"$HUGINN" config parse broken.toml 2>err.txt; [ $? -eq 3 ] || fail "parse of broken TOML"
grep -q 'broken.toml:2:' err.txt || fail "parse error names line: $(cat err.txt)"
"$HUGINN" config parse missing.toml 2>/dev/null; [ $? -eq 6 ] || fail "parse of a missing file: not exit 6"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "cliConfig: all passed"
