#!/usr/bin/env bash
# cliHelp.sh — help for every `huginn` command in its three forms (`huginn
# help CMD`, `huginn CMD --help`, `huginn CMD -h`), the global help, the option
# table as JSON, and that the man page, docs/cli.md and the bash completion
# cover every command and option of that table.
set -u
: "${HUGINN:?HUGINN must point at the huginn binary}"
: "${HGN_SOURCE_DIR:?HGN_SOURCE_DIR must point at the source tree}"
HUGINN=$(cd "$(dirname "$HUGINN")" && pwd)/$(basename "$HUGINN")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/xdg
unset HUGINN_PROFILE
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
contains() { case "$1" in *"$2"*) ;; *) fail "$3: expected '$2'" ;; esac; }

"$HUGINN" help --json > table.json || fail "help --json"
python3 -c 'import json; json.load(open("table.json"))' || { fail "help --json is not JSON"; exit 1; }

# one line per command: NAME|group|OPTION OPTION…
python3 -c '
import json
for c in json.load(open("table.json"))["commands"]:
    opts = [o["name"] if o["positional"] else "--" + o["name"] for o in c["options"]]
    print(c["name"] + "|" + ("group" if c["group"] else "") + "|" + " ".join(opts))' > commands.txt
[ "$(wc -l < commands.txt)" -ge 19 ] || fail "only $(wc -l < commands.txt) commands in the table"

# global help
for form in "--help" "-h" "help"; do
  out=$("$HUGINN" $form) || fail "huginn $form exited non-zero"
  contains "$out" "Usage: huginn" "huginn $form"
  contains "$out" "Examples:" "huginn $form"
  contains "$out" "Exit status:" "huginn $form"
  while IFS='|' read -r c group opts; do
    [ -n "$group" ] || contains "$out" "  $c " "huginn $form lists $c"
  done < commands.txt
done

# every command, three forms, same text; every option of the command appears in it
while IFS='|' read -r c group opts; do
  a=$("$HUGINN" help $c) || fail "huginn help $c exited non-zero"
  b=$("$HUGINN" $c --help) || fail "huginn $c --help exited non-zero"
  d=$("$HUGINN" $c -h) || fail "huginn $c -h exited non-zero"
  [ "$a" = "$b" ] && [ "$b" = "$d" ] || fail "help forms differ for $c"
  contains "$a" "Usage: huginn $c" "help $c"
  contains "$a" "Examples:" "help $c"
  for o in $opts; do contains "$a" "$o" "help $c mentions $o"; done
done < commands.txt

# --help wins over errors elsewhere on the line
out=$("$HUGINN" plan --context abc --help) || fail "--help after a bad value"
contains "$out" "Usage: huginn plan" "help despite a bad value"
out=$("$HUGINN" models --help) || fail "models --help"
contains "$out" "Subcommands:" "group help"
contains "$out" "list" "group help lists list"

# version
out=$("$HUGINN" version) || fail "version"
[[ "$out" =~ ^huginn\ [0-9]+\.[0-9]+\.[0-9]+\ \(git\ [0-9a-z]+\)$ ]] || fail "version text: $out"
[ "$("$HUGINN" --version)" = "$out" ] || fail "--version differs from version"
"$HUGINN" version --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["version"].count(".") == 2 and d["gitRevision"], d' || fail "version --json"

# every command and option is documented in the man page, docs/cli.md and the completion script
man=$HGN_SOURCE_DIR/docs/huginn.1
md=$HGN_SOURCE_DIR/docs/cli.md
comp=$HGN_SOURCE_DIR/scripts/huginn-completion.bash
for f in "$man" "$md" "$comp"; do [ -f "$f" ] || fail "missing $f"; done
python3 - "$man" "$md" "$comp" <<'PY' || fail "documentation does not cover the option table"
import json, re, sys
table = json.load(open("table.json"))
man, md, comp = (open(p).read() for p in sys.argv[1:4])
manText = man.replace("\\-", "-").replace("\\fB", "").replace("\\fR", "").replace("\\fI", "")
missing = []
for name, text in (("man", manText), ("cli.md", md), ("completion", comp)):
    for o in table["globalOptions"]:
        if "--" + o["name"] not in text: missing.append(f"{name}: global --{o['name']}")
    for c in table["commands"]:
        for word in c["name"].split():
            if not re.search(r"\b" + re.escape(word) + r"\b", text): missing.append(f"{name}: command {c['name']}")
        for o in c["options"]:
            if not o["positional"] and "--" + o["name"] not in text:
                missing.append(f"{name}: {c['name']} --{o['name']}")
    for o in table["globalOptions"]:
        for ch in o.get("choices", []):
            if ch not in text: missing.append(f"{name}: choice {ch}")
for c in table["commands"]:
    for o in c["options"]:
        for ch in o.get("choices", []):
            for name, text in (("man", manText), ("cli.md", md), ("completion", comp)):
                if ch not in text: missing.append(f"{name}: choice {ch}")
# exit statuses documented
for name, text in (("man", manText), ("cli.md", md)):
    for status in range(0, 11):
        if not re.search(r"\b%d\b" % status, text): missing.append(f"{name}: exit status {status}")
if missing:
    print("\n".join(sorted(set(missing))), file=sys.stderr)
    sys.exit(1)
PY

# the man page is valid roff (man renders it without warnings)
if command -v groff >/dev/null 2>&1; then
  warnings=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
  [ -z "$warnings" ] || fail "groff warnings in huginn.1: $warnings"
fi

# bash completion completes commands, subcommands, options and enum values
if [ -f "$comp" ]; then
  complete() { # complete WORDS… → COMPREPLY for the last word
    bash -c '
      source "$1"; shift
      COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
      COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
      _huginn
      printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
  }
  contains "$(complete huginn pl)" "plan" "complete command"
  contains "$(complete huginn models "")" "show" "complete subcommand"
  contains "$(complete huginn plan --pol)" "--policy" "complete option"
  contains "$(complete huginn plan --policy "")" "locality-first" "complete enum"
  contains "$(complete huginn quantize m --method "")" "gptq" "complete method"
  contains "$(complete huginn --log-format "")" "json" "complete global enum"
  contains "$(complete huginn help "")" "errors" "complete help topics"
  out=$(complete huginn execute plan.json --t)
  contains "$out" "--temperature" "complete execute options"
  contains "$out" "--threads" "complete execute options"
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "cliHelp: all passed"
