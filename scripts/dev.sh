#!/usr/bin/env bash
# dev.sh — Huginn's one entry point for developers and CI.
#
#   scripts/dev.sh setup        install the Debian 12 packages Huginn needs (idempotent; root or sudo)
#   scripts/dev.sh setup-interop  npm ci of the pinned llama.cpp interop tools (best effort; needs Node.js >= 20)
#   scripts/dev.sh build        configure + build the release tree (build/)
#   scripts/dev.sh demo         setup + build + the main job on the bundled model
#   scripts/dev.sh test         setup + every test: release build (gcc), then ASan+UBSan build (clang) with fuzzers
#   scripts/dev.sh lint         clang-format check + cppcheck
#   scripts/dev.sh format       rewrite sources with clang-format
#   scripts/dev.sh bench        build + run every benchmark under bench/
#
# Environment: HGN_JOBS (parallel build jobs), HGN_FUZZ_SECONDS (per fuzz target, default 15),
# HGN_SKIP_SETUP=1 (skip apt), HGN_SKIP_ASAN=1 (release tests only; never in CI).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${HGN_JOBS:-$(nproc)}

packages=(
  build-essential cmake ninja-build pkg-config git python3 python3-numpy
  clang-14 libclang-rt-14-dev clang-format cppcheck
  libjansson-dev libcmocka-dev libpcre2-dev libhwloc-dev hwloc libzstd-dev libssl-dev
  libsqlite3-dev libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev libopenblas-dev postgresql libpq-dev
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev libonnx-testdata json-schema-test-suite
  sentencepiece python3-regex graphviz prometheus wrk
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

setup() {
  [ "${HGN_SKIP_SETUP:-0}" = 1 ] && return 0
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then log "setup: all ${#packages[@]} packages present"; return 0; fi
  log "setup: installing ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# llama.cpp interoperability checks (tests/integration/llamaInterop.sh) use node-llama-cpp and
# @huggingface/gguf from the npm registry, pinned in tools/interop/package-lock.json. Best effort:
# without Node.js >= 20 and npm the interop test prints a skip line.
setupInterop() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null ||
     ! node -e 'process.exit(+process.versions.node.split(".")[0] < 20 ? 1 : 0)'; then
    log "setup-interop: skipped (needs Node.js >= 20 and npm; Debian 12's nodejs 18 is too old)"
    return 0
  fi
  if [ -d tools/interop/node_modules/node-llama-cpp ]; then log "setup-interop: present"; return 0; fi
  log "setup-interop: npm ci in tools/interop"
  (cd tools/interop && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm ci --ignore-scripts --omit=optional --no-audit --no-fund \
    >/dev/null) || log "setup-interop: npm ci failed; the interop test will skip"
}

configure() { # configure DIR [cmake args…]
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then cmake -S . -B "$dir" -G Ninja "$@" >/dev/null; else cmake "$dir" "$@" >/dev/null; fi
}

build() {
  log "build: release tree (gcc)"
  configure build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc
  cmake --build build -j "$jobs"
}

buildAsan() {
  log "build: ASan+UBSan tree with libFuzzer targets (clang)"
  configure build-asan -DCMAKE_BUILD_TYPE=Asan -DCMAKE_C_COMPILER=clang -DHGN_FUZZ=ON \
    -DHGN_FUZZ_SECONDS="${HGN_FUZZ_SECONDS:-15}"
  cmake --build build-asan -j "$jobs"
}

demo() {
  setup
  build
  local h=build/huginn model=tests/data/fixture/model-f32.gguf
  log "demo: huginn diagnose"
  "$h" diagnose
  mkdir -p out
  log "demo: huginn plan $model --out out/plan.json --dot"
  "$h" plan "$model" --out out/plan.json --dot
  log "demo: huginn explain out/plan.json"
  "$h" explain out/plan.json
  log "demo: huginn execute out/plan.json --prompt \"what colour is the sky?\""
  "$h" execute out/plan.json --prompt "what colour is the sky?" --max-tokens 48 --seed 1
}

runTests() {
  setup
  setupInterop
  local rc=0
  lint || { log "lint: FAILED"; rc=1; }
  build
  log "test: release build"
  ctest --test-dir build --output-on-failure -j "$jobs" || rc=1
  if [ "${HGN_SKIP_ASAN:-0}" != 1 ]; then
    buildAsan
    log "test: ASan+UBSan build (fuzzers included)"
    ctest --test-dir build-asan --output-on-failure -j "$jobs" || rc=1
  fi
  if [ $rc -ne 0 ]; then log "test: FAILED"; else log "test: all passed"; fi
  return $rc
}

sources() { git ls-files '*.c' '*.h' 2>/dev/null || find src include tests tools bench -name '*.[ch]'; }

lint() {
  log "lint: clang-format"
  local bad=0
  while read -r f; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then echo "needs formatting: $f"; bad=1; fi
  done < <(sources)
  log "lint: cppcheck"
  cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --inline-suppr \
    --suppress=missingIncludeSystem --include=/usr/include/jansson.h -I include -I src src || bad=1
  return $bad
}

case "${1:-}" in
  setup) setup ;;
  setup-interop) setupInterop ;;
  build) setup; build ;;
  demo) demo ;;
  test) runTests ;;
  lint|format-check) lint ;;
  format) sources | xargs clang-format -i ;;
  bench)
    setup; build
    for b in build/bench*; do [ -x "$b" ] && { log "bench: $b"; "$b"; }; done ;;
  *) sed -n "2,15p" "$0"; exit 2 ;;
esac
