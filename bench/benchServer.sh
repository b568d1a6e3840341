#!/usr/bin/env bash
# benchServer.sh — huginnd throughput over loopback with wrk: job submissions/s
# (POST /v1/jobs, plan by path, SQLite store, synchronous=FULL) and status
# reads/s (GET /v1/jobs/{id}), with latency percentiles. Usage:
#   bench/benchServer.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
# Needs wrk (Debian package wrk). Prints wrk's figures; nothing is asserted.
set -eu
build=${1:-build}
secs=${2:-10}
conns=${3:-16}
root=$(cd "$(dirname "$0")/.." && pwd)
huginnd=$(cd "$build" && pwd)/huginnd
command -v wrk >/dev/null || { echo "SKIP: wrk is not installed (apt-get install wrk)"; exit 0; }
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
# 64 users (the job manager queues at most 1,000 jobs per owner), one admin.
tok=bench-token-0123456789
printf '%s bench admin\n' "$(printf %s $tok | sha256sum | cut -d' ' -f1)" >"$work/tokens"
for u in $(seq 64); do
  printf '%s user%d user\n' "$(printf %s "tok-user$u" | sha256sum | cut -d' ' -f1)" "$u" >>"$work/tokens"
done
HUGINN_STORE__PATH=$work/jobs.db HOME=$work "$huginnd" --listen 127.0.0.1:0 --port-file "$work/port" \
  --token-file "$work/tokens" --workers 0 --queue-limit 100000000 --log-level error >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
base=http://127.0.0.1:$(cat "$work/port")
id=$(curl -s -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
  -d "{\"planPath\":\"$root/tests/data/plans/fixture-gguf.cpu.json\"}" "$base/v1/jobs" |
  sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
cat >"$work/submit.lua" <<LUA
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", nil, {["Authorization"] = "Bearer tok-user" .. (n % 64 + 1),
    ["Content-Type"] = "application/json"}, '{"planPath":"$root/tests/data/plans/fixture-gguf.cpu.json"}')
end
LUA
echo "== submissions: POST /v1/jobs, $conns connections, ${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$work/submit.lua" "$base/v1/jobs"
echo "== status reads: GET /v1/jobs/$id, $conns connections, ${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $tok" "$base/v1/jobs/$id"
echo "== non-2xx answers are counted by wrk above; HTTP metrics:"
curl -s -H "Authorization: Bearer $tok" "$base/metrics" | grep '^huginn_http_requests_total'
