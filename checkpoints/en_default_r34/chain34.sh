#!/usr/bin/env bash
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
s=$SECONDS
recipes/en_default/run.sh --stage 2 --stop-stage 3 --first-part 32 --parts 16000 --perturb-seed 211
echo "stages 2-3 took $((SECONDS - s)) s"
s=$SECONDS
recipes/en_default/run.sh --stage 4 --stop-stage 4
echo "stage 4 took $((SECONDS - s)) s"
recipes/en_default/local/round.sh --name r34 --part 32 --perturb-seed 211 --init checkpoints/en_default_r33/epoch-3.pt --layers 5 --epochs 3 --make-data false --with checkpoints/en_default_r33/epoch-3.pt --with "checkpoints/en_default_r32/epoch-3.pt checkpoints/en_default_r33/epoch-3.pt" --with "checkpoints/en_default_r31/epoch-3.pt checkpoints/en_default_r32/epoch-3.pt checkpoints/en_default_r33/epoch-3.pt"
