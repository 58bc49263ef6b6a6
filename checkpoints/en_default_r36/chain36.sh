#!/usr/bin/env bash
# The thirty-sixth schedule (RESULTS.md, its rule).
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
recipes/en_default/local/round.sh --name r36 --part 34 --perturb-seed 231 --init checkpoints/en_default_r35/epoch-3.pt --layers 5 --epochs 3 --with checkpoints/en_default_r35/epoch-3.pt --with "checkpoints/en_default_r34/epoch-3.pt checkpoints/en_default_r35/epoch-3.pt" --with "checkpoints/en_default_r33/epoch-3.pt checkpoints/en_default_r34/epoch-3.pt checkpoints/en_default_r35/epoch-3.pt" --with "checkpoints/en_default_r32/epoch-3.pt checkpoints/en_default_r33/epoch-3.pt checkpoints/en_default_r34/epoch-3.pt checkpoints/en_default_r35/epoch-3.pt"
