#!/usr/bin/env bash
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
while kill -0 "$(cat exp/round32.pid)" 2>/dev/null; do sleep 20; done
[[ -f checkpoints/en_default_r32/epoch-3.pt ]] || { echo "r32 did not store its epoch 3"; exit 1; }
recipes/en_default/local/round.sh --name r33 --part 31 --perturb-seed 201 --init checkpoints/en_default_r32/epoch-3.pt \
  --layers 5 --epochs 3 --with checkpoints/en_default_r32/epoch-3.pt \
  --with "checkpoints/en_default_r31/epoch-3.pt checkpoints/en_default_r32/epoch-3.pt" \
  --with "checkpoints/en_default_r30/epoch-3.pt checkpoints/en_default_r31/epoch-3.pt checkpoints/en_default_r32/epoch-3.pt"
