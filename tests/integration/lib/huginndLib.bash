# huginndLib.bash — the set-up every huginnd integration test shares (sourced
# by tests/integration/huginnd*.sh and cliServer.sh; not a test itself):
# absolute paths of huginn and huginnd (SKIP when huginnd was not built), a
# private HOME / XDG / state folder removed at exit together with every daemon
# the test started (append their pids to `pids`; set killSignal=KILL before
# sourcing to kill them hard), no server URL or token inherited from the
# environment, and the fail / die / contains / lacks / hash helpers.
# `requireTools curl python3 …` prints SKIP and exits 0 when a tool is missing.
set -u
: "${HUGINN:?HUGINN must point at the huginn binary}"
: "${HGN_TEST_DATA:?HGN_TEST_DATA must point at tests/data}"
HUGINN=$(cd "$(dirname "$HUGINN")" && pwd)/$(basename "$HUGINN")
HUGINND=$(dirname "$HUGINN")/huginnd
DATA=$(cd "$HGN_TEST_DATA" && pwd)
[ -x "$HUGINND" ] || { echo "SKIP: huginnd was not built"; exit 0; }
requireTools() {
  local t
  for t in "$@"; do command -v "$t" >/dev/null || { echo "SKIP: $t is not installed"; exit 0; }; done
}
work=$(mktemp -d)
pids=()
killSignal=${killSignal:-TERM}
cleanup() {
  for p in "${pids[@]}"; do kill -"$killSignal" "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
export HOME=$work XDG_CONFIG_HOME=$work/xdg XDG_STATE_HOME=$work/state
unset HUGINN_TOKEN HUGINN_SERVER__URL
cd "$work" || exit 1
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
die() { echo "FAIL: $*" >&2; exit 1; }
contains() { case "$1" in *"$2"*) ;; *) fail "$3: expected to contain '$2', got: $1" ;; esac; }
lacks() { case "$1" in *"$2"*) fail "$3: must not contain '$2'" ;; esac; }
hash() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
