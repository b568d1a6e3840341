#!/usr/bin/env bash
# runFuzz.sh TARGET CORPUS_DIR WORK_DIR SECONDS — runs one libFuzzer target for a
# bounded time over a copy of its committed seed corpus; fails on any finding.
set -euo pipefail
target=$1 corpus=$2 work=$3 seconds=$4
rm -rf "$work"; mkdir -p "$work/corpus" "$work/artifacts"
if [ -d "$corpus" ]; then cp -r "$corpus"/. "$work/corpus/"; fi
"$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" 2>&1 | tail -n 25
n=$(find "$work/artifacts" -type f | wc -l)
if [ "$n" -ne 0 ]; then echo "fuzz finding(s) in $work/artifacts"; exit 1; fi
echo "fuzz: $(basename "$target") ran ${seconds}s without findings"
