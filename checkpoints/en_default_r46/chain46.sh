#!/usr/bin/env bash
# Runs the forty-sixth schedule (RESULTS.md). The thirty-eighth session made part 44 and the seed-331 copies ahead
# (stages 2-3); round.sh's stages skip what is already made, and remake it on a bare machine.
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
echo "== round $(date)"
recipes/en_default/local/round.sh --name r46 --part 44 --perturb-seed 331 \
  --init checkpoints/en_default_r45/epoch-3.pt --layers 5 --epochs 3 --average-with-last 7
echo "== done $(date)"
