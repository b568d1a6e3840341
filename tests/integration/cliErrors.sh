#!/usr/bin/env bash
# cliErrors.sh — `huginn` exit statuses and error rendering: usage errors with
# did-you-mean suggestions, the --json error shape on stdout, missing files,
# not-built engines (HGN-0010, exit 8), the local job commands, and `help errors` covering the table.
set -u
: "${HUGINN:?HUGINN must point at the huginn binary}"
HUGINN=$(cd "$(dirname "$HUGINN")" && pwd)/$(basename "$HUGINN")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/xdg XDG_STATE_HOME=$work/state
unset HUGINN_PROFILE
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expectExit STATUS ARGS… — runs huginn, keeps stdout in $out and stderr in $err.
expectExit() {
  local want=$1; shift
  "$HUGINN" "$@" >"$work/out" 2>"$work/err"
  local got=$?
  out=$(cat "$work/out"); err=$(cat "$work/err")
  [ "$got" -eq "$want" ] || fail "huginn $* exited $got, expected $want (stderr: $err)"
}
contains() { # contains HAYSTACK NEEDLE WHAT
  case "$1" in *"$2"*) ;; *) fail "$3: expected to contain '$2', got: $1" ;; esac
}
# jsonError FIELD EXPECTED — checks the {"error":{…}} document in $out.
jsonError() {
  local got
  got=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); e=d["error"]; assert set(e) >= {"code","name","message","where","hint"}, e; print(e[sys.argv[1]])' "$1" 2>/dev/null) \
    || { fail "not a JSON error document: $out"; return; }
  [ "$got" = "$2" ] || fail "error.$1 is '$got', expected '$2'"
}

printf 'GGUF\3\0\0\0\0\0\0\0' > model.gguf
echo '{}' > plan.json

# unknown command: exit 2, suggestion, text form on stderr
expectExit 2 pln
contains "$err" 'error: HGN-0009 UsageError' "unknown command"
contains "$err" 'unknown command `pln`; did you mean `plan`?' "unknown command"
contains "$err" 'hint:' "unknown command hint"
[ -z "$out" ] || fail "text errors must not go to stdout: $out"

# --json: the error document on stdout, nothing but logs on stderr
expectExit 2 --json pln
jsonError code HGN-0009
jsonError name UsageError
jsonError message 'unknown command `pln`; did you mean `plan`?'
expectExit 2 plan model.gguf --contxt 5 --json
jsonError message 'unknown option `--contxt` for `plan`; did you mean `--context`?'
jsonError where '--contxt'

# option errors
expectExit 2 plan model.gguf --context 0;            contains "$err" 'out of range' "range"
expectExit 2 plan model.gguf --context=abc;          contains "$err" 'expects an integer' "type"
expectExit 2 plan model.gguf --policy balnced;       contains "$err" 'did you mean `balanced`?' "enum"
expectExit 2 plan model.gguf --reserve gpu:0=lots;   contains "$err" 'no valid size' "size"
expectExit 2 plan model.gguf --context;              contains "$err" '--context needs a value (N)' "missing value"
expectExit 2 execute plan.json --top-p 2;            contains "$err" 'out of range' "real range"
expectExit 2 execute plan.json --prompt a --prompt-file plan.json; contains "$err" 'cannot be combined' "conflict"
expectExit 2 execute plan.json --follow;             contains "$err" '--follow' "follow needs server"
expectExit 2 --local execute plan.json --server http://h; contains "$err" '--local cannot be combined with --server' "local"
expectExit 2 quantize model.gguf --method nf4;       contains "$err" '`quantize` needs --out' "required"
expectExit 2 quantize model.gguf --method nf4 --bits 8 --out q.gguf; contains "$err" 'nf4 cannot quantise to 8 bits' "bits"
expectExit 2 quantize model.gguf --method gptq --out q.gguf; contains "$err" 'gptq needs calibration data' "calibration"
expectExit 2 quantize model.gguf --method rtn --group-size 100 --out q.gguf; contains "$err" 'power of two' "group size"
expectExit 2 quantize model.gguf --method rtn --out model.gguf; contains "$err" 'overwrite the input' "out = in"
expectExit 2 models;                                 contains "$err" 'needs a subcommand: list, show' "group"
expectExit 2 models lst;                             contains "$err" 'did you mean `models list`?' "subcommand"
expectExit 2 cancel a b;                             contains "$err" 'unexpected argument `b`' "extra positional"
expectExit 2 plan;                                   contains "$err" '`plan` needs MODEL' "plan without model"
expectExit 2 plan --check plan.json --policy balanced; contains "$err" 'takes no planning option' "check alone"
expectExit 2 plan model.gguf --reserve gpu:0=1GiB --reserve gpu:0=2GiB; contains "$err" 'reserved twice' "reserve twice"
expectExit 2 help nosuch;                            contains "$err" 'no help for `nosuch`' "help topic"
expectExit 2 help plna;                              contains "$err" 'did you mean `plan`?' "help suggestion"
expectExit 2;                                        contains "$err" 'no command given' "no command"
expectExit 2 --dry-run=yes version;                  contains "$err" 'takes no value' "flag with value"

# files: missing → HGN-0014 exit 6; missing checkpoint → HGN-0007 exit 6; not a model → HGN-0102 exit 4
expectExit 6 explain nosuch.json --json
jsonError code HGN-0014
jsonError where PLAN
expectExit 6 execute plan.json --resume nosuch --json
jsonError code HGN-0007
expectExit 4 inspect plan.json --dry-run --json
jsonError code HGN-0102
expectExit 6 plan model.gguf --out nodir/plan.json; contains "$err" 'does not exist' "out folder"

# inspect reads the model for real: this 12-byte GGUF stops inside its header → HGN-0101, exit 4
expectExit 4 inspect model.gguf;            contains "$err" 'HGN-0101 TruncatedFile' "inspect"

# plan reads the model for real: the truncated GGUF → HGN-0101 exit 4; explain validates the plan → HGN-0002
expectExit 4 plan model.gguf;               contains "$err" 'HGN-0101 TruncatedFile' "plan"
expectExit 4 plan model.gguf --json;        jsonError code HGN-0101
expectExit 4 explain plan.json;             contains "$err" 'HGN-0002' "explain"
expectExit 4 plan diff plan.json plan.json; contains "$err" 'HGN-0002' "plan diff"

# real runs of engines from later versions: HGN-0010 NotImplemented, exit 8, naming what is missing
expectExit 2 execute plan.json --prompt hi --inject bogus:cpu:1@3; contains "$err" 'drain, fail and device-loss' "inject kind"
expectExit 2 execute plan.json --prompt hi --inject drain:gpu:1@step=3; contains "$err" 'cpu:N' "inject target"
expectExit 8 quantize model.gguf --method int8 --out q.gguf; contains "$err" 'the quantiser is not built yet' "quantize"
# the job commands work on the local store (XDG_STATE_HOME/huginn/jobs.db)
expectExit 0 status;                        contains "$out" 'no active jobs' "status"
expectExit 6 cancel job-1;                  contains "$err" 'HGN-0006' "cancel of an unknown job"
expectExit 0 jobs --all;                    contains "$out" 'no jobs' "jobs"
[ -e "$work/state/huginn/jobs.db" ] || fail "the job store was not created under XDG_STATE_HOME"
[ ! -e q.gguf ] || fail "a failed quantize created its output"

# help errors: every row of errorCodes.def, with its exit status
expectExit 0 help errors
rows=$(grep -c '^X(' "${HGN_SOURCE_DIR:?}/include/huginn/errorCodes.def")
listed=$(printf '%s\n' "$out" | grep -c '^HGN-[0-9]\{4\} ')
[ "$rows" -eq "$listed" ] || fail "help errors lists $listed codes, errorCodes.def has $rows"
contains "$out" 'HGN-0009  UsageError' "help errors row"
expectExit 0 help errors --json
printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)["errors"]
assert len(d) == int(sys.argv[1]), len(d)
u = [e for e in d if e["code"] == "HGN-0009"][0]
assert u["name"] == "UsageError" and u["exitStatus"] == 2, u
assert all(set(e) == {"code", "name", "exitStatus", "description"} for e in d)
' "$rows" || fail "help errors --json"
# every row of errorCodes.def is listed with its name and exit status
printf '%s' "$out" | python3 -c '
import json, re, sys
listed = {e["code"]: e for e in json.load(sys.stdin)["errors"]}
for m in re.finditer(r"^X\((\d+), *(\w+), *(\d+),", open(sys.argv[1]).read(), re.M):
    e = listed["HGN-%04d" % int(m[1])]
    assert e["name"] == m[2] and e["exitStatus"] == int(m[3]), e
' "$HGN_SOURCE_DIR/include/huginn/errorCodes.def" || fail "help errors --json disagrees with errorCodes.def"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "cliErrors: all passed"
