#!/usr/bin/env bash
# Waits for the thirty-fourth schedule (chain34.sh) to end, then runs the thirty-fifth (RESULTS.md, its rule).
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
while pgrep -f chain34.sh > /dev/null; do sleep 30; done
[[ -f checkpoints/en_default_r34/epoch-3.pt ]] || { echo "the thirty-fourth did not finish" >&2; exit 1; }
recipes/en_default/local/round.sh --name r35 --part 33 --perturb-seed 221 --init checkpoints/en_default_r34/epoch-3.pt --layers 5 --epochs 3 --with checkpoints/en_default_r34/epoch-3.pt --with "checkpoints/en_default_r33/epoch-3.pt checkpoints/en_default_r34/epoch-3.pt" --with "checkpoints/en_default_r32/epoch-3.pt checkpoints/en_default_r33/epoch-3.pt checkpoints/en_default_r34/epoch-3.pt"
