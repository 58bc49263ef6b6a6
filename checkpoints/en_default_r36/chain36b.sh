#!/usr/bin/env bash
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
R=recipes/en_default/run.sh
echo "== stage 1 $(date)"; $R --stage 1 --stop-stage 1
echo "== stage 2-3 $(date)"; $R --stage 2 --stop-stage 3 --first-part 34 --parts 16000 --perturb-seed 231
echo "== stage 4 $(date)"; $R --stage 4 --stop-stage 4
echo "== round $(date)"
recipes/en_default/local/round.sh --name r36 --part 34 --perturb-seed 231 --make-data false --init checkpoints/en_default_r35/epoch-3.pt --layers 5 --epochs 3 --with checkpoints/en_default_r35/epoch-3.pt --with "checkpoints/en_default_r34/epoch-3.pt checkpoints/en_default_r35/epoch-3.pt" --with "checkpoints/en_default_r33/epoch-3.pt checkpoints/en_default_r34/epoch-3.pt checkpoints/en_default_r35/epoch-3.pt" --with "checkpoints/en_default_r32/epoch-3.pt checkpoints/en_default_r33/epoch-3.pt checkpoints/en_default_r34/epoch-3.pt checkpoints/en_default_r35/epoch-3.pt"
echo "== done $(date)"
