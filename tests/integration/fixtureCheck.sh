#!/usr/bin/env bash
# fixtureCheck.sh — the committed fixture model (tests/data/fixture) is what its
# reference says: tools/fixtures/checkGguf.py re-reads the GGUF and safetensors with
# independent NumPy readers and reproduces the PyTorch reference logits, greedy
# tokens and held-out perplexity (GGUF with llama.cpp's RoPE layout, safetensors
# with HF's). Skipped with a reason when Debian's python3-numpy is missing.
set -u
: "${HGN_SOURCE_DIR:?}"
py=/usr/bin/python3
if ! "$py" -c 'import numpy' 2>/dev/null; then
  echo "skip: fixture check needs python3-numpy (scripts/dev.sh setup installs it)"
  exit 0
fi
"$py" "$HGN_SOURCE_DIR/tools/fixtures/checkGguf.py"
