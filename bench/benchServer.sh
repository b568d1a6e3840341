#!/usr/bin/env bash
# benchServer.sh — huginnd throughput over loopback with wrk: job submissions/s
# (POST /v1/jobs, plan by path, SQLite store, synchronous=FULL) with latency
# percentiles and fsyncs per submission, against a baseline measured in the
# same run (group commit off: store.groupCommit = 1, each submission its own
# transaction), then status reads/s (GET /v1/jobs/{id}). Each phase starts a
# fresh huginnd on a fresh store. Usage:
#   bench/benchServer.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
# Needs wrk (Debian package wrk). fsync/fdatasync calls are counted with perf's
# syscall tracepoints when perf may use them, else with strace -c. Prints
# figures; nothing is asserted. Runs about 4 × SECONDS + a few seconds. Phases: saturation with
# group commit off, then on; the same load paced to ~1,000 submissions/s (latency at the target
# rate); status reads.
set -eu
build=${1:-build}
secs=${2:-10}
conns=${3:-16}
root=$(cd "$(dirname "$0")/.." && pwd)
huginnd=$(cd "$build" && pwd)/huginnd
command -v wrk >/dev/null || { echo "SKIP: wrk is not installed (apt-get install wrk)"; exit 0; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
plan=$root/tests/data/plans/fixture-gguf.cpu.json
# 64 users (the job manager queues at most 1,000 jobs per owner), one admin.
tok=bench-token-0123456789
printf '%s bench admin\n' "$(printf %s $tok | sha256sum | cut -d' ' -f1)" >"$work/tokens"
for u in $(seq 64); do
  printf '%s user%d user\n' "$(printf %s "tok-user$u" | sha256sum | cut -d' ' -f1)" "$u" >>"$work/tokens"
done
cat >"$work/submit.lua" <<LUA
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", nil, {["Authorization"] = "Bearer tok-user" .. (n % 64 + 1),
    ["Content-Type"] = "application/json"}, '{"planPath":"$plan"}')
end
LUA
# The same requests paced to a little over 1,000/s in all (each connection waits before its next request:
# conns / (delay + ~2.5 ms of answer) per second), for the latency at that rate rather than at saturation.
pace=$(awk -v c="$conns" 'BEGIN {d = c - 3; print (d > 0 ? d : 0)}')
sed '1i\
delay = function() return '"$pace"' end' "$work/submit.lua" >"$work/paced.lua"

# fsync counting: perf's syscall tracepoints count in the kernel without slowing the server; else
# strace -c through a seccomp filter (only fsync/fdatasync stop, but the server runs slower).
counter=none
if perf stat -e syscalls:sys_enter_fdatasync -o /dev/null true 2>/dev/null; then
  counter=perf
elif command -v strace >/dev/null && strace -f --seccomp-bpf -e trace=fdatasync -c -o /dev/null true 2>/dev/null; then
  counter=strace
fi

# start TAG GROUP_COMMIT: huginnd on a fresh store in $work/TAG (under the fsync counter); sets $base,
# $server (huginnd's pid) and $wrapper (the counter's pid, or "").
start() {
  local dir=$work/$1
  mkdir -p "$dir"
  local cmd=("$huginnd" --listen 127.0.0.1:0 --port-file "$dir/port" --token-file "$work/tokens" --workers 0
    --queue-limit 100000000 --log-level error)
  export HUGINN_STORE__PATH=$dir/jobs.db HUGINN_STORE__GROUP_COMMIT=$2 HUGINN_JOBS__MAX_QUEUED_PER_OWNER=100000000 HOME=$dir
  wrapper=
  case $counter in
  perf)
    perf stat -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync -x, -o "$dir/fsyncs" "${cmd[@]}" \
      >"$dir/log" 2>&1 &
    wrapper=$!
    ;;
  strace)
    strace -f --seccomp-bpf -e trace=fsync,fdatasync -c -o "$dir/fsyncs" "${cmd[@]}" >"$dir/log" 2>&1 &
    wrapper=$!
    ;;
  *)
    "${cmd[@]}" >"$dir/log" 2>&1 &
    server=$!
    ;;
  esac
  pids+=("${wrapper:-$server}")
  for _ in $(seq 200); do [ -s "$dir/port" ] && break; sleep 0.05; done
  [ -s "$dir/port" ] || { cat "$dir/log"; echo "huginnd did not start"; exit 1; }
  if [ -n "$wrapper" ]; then server=$(pgrep -P "$wrapper" | head -1); fi
  base=http://127.0.0.1:$(cat "$dir/port")
}

# stop: ends huginnd (and so the counter, which then writes its figures).
stop() {
  kill "$server" 2>/dev/null || true
  if [ -n "$wrapper" ]; then wait "$wrapper" 2>/dev/null || true; else wait "$server" 2>/dev/null || true; fi
}

# accepted: jobs the server answered 201 to (its own HTTP metrics).
accepted() {
  curl -s -H "Authorization: Bearer $tok" "$base/metrics" |
    awk '/^huginn_http_requests_total\{route="\/v1\/jobs",code="201"\}/ {print $2}'
}

# fsyncs TAG: fsync + fdatasync calls of the whole server run, start-up included ("" when not counted).
fsyncs() {
  local f=$work/$1/fsyncs
  [ -s "$f" ] || return 0
  case $counter in
  perf) awk -F, '$3 ~ /sys_enter_f(data)?sync/ {n += $1} END {print n + 0}' "$f" ;;
  strace) awk '$NF == "fsync" || $NF == "fdatasync" {n += ($4 ~ /^[0-9]+$/ ? $4 : $3)} END {print n + 0}' "$f" ;;
  esac
}

# wrkFigures FILE: "reqPerSec p50ms p99ms non2xx" from wrk --latency output.
wrkFigures() {
  awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
       /Requests\/sec:/ {r = $2} $1 == "50%" {p50 = ms($2)} $1 == "99%" {p99 = ms($2)}
       /Non-2xx/ {bad = $NF} END {printf "%.0f %.2f %.2f %d\n", r, p50, p99, bad}' "$1"
}

# submitPhase TAG GROUP_COMMIT: submissions for $secs on a fresh server; sets fig_TAG.
submitPhase() {
  start "$1" "$2"
  echo "== submissions, store.groupCommit=$2: POST /v1/jobs, $conns connections, ${secs}s"
  wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$work/submit.lua" "$base/v1/jobs" | tee "$work/$1/wrk"
  local n
  n=$(accepted)
  stop
  local f
  f=$(fsyncs "$1")
  read -r rps p50 p99 bad < <(wrkFigures "$work/$1/wrk")
  local per=n/a
  [ -n "$f" ] && [ "${n:-0}" -gt 0 ] && per=$(awk -v f="$f" -v n="$n" 'BEGIN {printf "%.3f", f / n}')
  eval "fig_$1=(\"$rps\" \"$p50\" \"$p99\" \"$per\" \"${n:-0}\" \"${f:-n/a}\" \"$bad\")"
}

submitPhase base 1
submitPhase group 256

start paced 256
echo "== submissions paced to ~1000/s (${pace} ms between a connection's requests), $conns connections, ${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$work/paced.lua" "$base/v1/jobs" | tee "$work/paced.wrk"
stop
read -r prps pp50 pp99 pbad < <(wrkFigures "$work/paced.wrk")

start reads 256
id=$(curl -s -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' -d "{\"planPath\":\"$plan\"}" \
  "$base/v1/jobs" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
echo "== status reads: GET /v1/jobs/$id, $conns connections, ${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $tok" "$base/v1/jobs/$id" | tee "$work/reads.wrk"
stop
read -r reads rp50 rp99 rbad < <(wrkFigures "$work/reads.wrk")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 > 0 && a ~ /^[0-9.]+$/) printf "%.2fx", a / b; else print "n/a"}'; }
echo
echo "== summary: $conns connections, ${secs}s per phase, SQLite store with synchronous=FULL, $(nproc) cores"
printf '%-28s %18s %18s %8s\n' "" "groupCommit=1" "groupCommit=256" "ratio"
printf '%-28s %18s %18s %8s\n' "submissions/s" "${fig_base[0]}" "${fig_group[0]}" "$(ratio "${fig_group[0]}" "${fig_base[0]}")"
printf '%-28s %18s %18s %8s\n' "p50 latency (ms)" "${fig_base[1]}" "${fig_group[1]}" "$(ratio "${fig_group[1]}" "${fig_base[1]}")"
printf '%-28s %18s %18s %8s\n' "p99 latency (ms)" "${fig_base[2]}" "${fig_group[2]}" "$(ratio "${fig_group[2]}" "${fig_base[2]}")"
printf '%-28s %18s %18s %8s\n' "fsyncs per submission" "${fig_base[3]}" "${fig_group[3]}" "$(ratio "${fig_group[3]}" "${fig_base[3]}")"
printf '%-28s %18s %18s\n' "  (fsyncs / jobs accepted)" "${fig_base[5]} / ${fig_base[4]}" "${fig_group[5]} / ${fig_group[4]}"
printf '%-28s %18s %18s\n' "non-2xx answers" "${fig_base[6]}" "${fig_group[6]}"
printf '%-28s %18s %18s\n' "paced: submissions/s" "" "$prps"
printf '%-28s %18s %18s\n' "paced: p50 / p99 (ms)" "" "$pp50 / $pp99"
printf '%-28s %18s %18s\n' "status reads/s (p99 ms)" "" "$reads ($rp99)"
case $counter in
perf) echo "(fsyncs: fsync + fdatasync calls counted by perf's syscall tracepoints, start-up included)" ;;
strace) echo "(fsyncs counted by strace -c, which slows the server: throughput figures are lower than without it)" ;;
*) echo "(neither perf nor strace could count syscalls here: fsyncs not counted)" ;;
esac
echo "targets: >= 1000 submissions/s with p99 < 20 ms; >= 5000 status reads/s"
