#!/usr/bin/env bash
# The thirty-fifth schedule again, resumed from its last.pt (step 1) once nothing else runs, so that the bf16 probe
# times a quiet machine: its first start probed beside a tuning job, read 0.93x and chose fp32 (RESULTS.md).
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
recipes/en_default/local/round.sh --name r35 --part 33 --perturb-seed 221 --init checkpoints/en_default_r34/epoch-3.pt --layers 5 --epochs 3 --make-data false --with checkpoints/en_default_r34/epoch-3.pt --with "checkpoints/en_default_r33/epoch-3.pt checkpoints/en_default_r34/epoch-3.pt" --with "checkpoints/en_default_r32/epoch-3.pt checkpoints/en_default_r33/epoch-3.pt checkpoints/en_default_r34/epoch-3.pt"
