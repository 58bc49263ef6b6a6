#!/usr/bin/env bash
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
echo "== round $(date)"
recipes/en_default/local/round.sh --name r40 --part 38 --perturb-seed 271 --init checkpoints/en_default_r39/epoch-3.pt --layers 5 --epochs 3 --with checkpoints/en_default_r39/epoch-3.pt --with "checkpoints/en_default_r38/epoch-3.pt checkpoints/en_default_r39/epoch-3.pt" --with "checkpoints/en_default_r37/epoch-3.pt checkpoints/en_default_r38/epoch-3.pt checkpoints/en_default_r39/epoch-3.pt" --with "checkpoints/en_default_r36/epoch-3.pt checkpoints/en_default_r37/epoch-3.pt checkpoints/en_default_r38/epoch-3.pt checkpoints/en_default_r39/epoch-3.pt" --with "checkpoints/en_default_r35/epoch-3.pt checkpoints/en_default_r36/epoch-3.pt checkpoints/en_default_r37/epoch-3.pt checkpoints/en_default_r38/epoch-3.pt checkpoints/en_default_r39/epoch-3.pt" --with "checkpoints/en_default_r34/epoch-3.pt checkpoints/en_default_r35/epoch-3.pt checkpoints/en_default_r36/epoch-3.pt checkpoints/en_default_r37/epoch-3.pt checkpoints/en_default_r38/epoch-3.pt checkpoints/en_default_r39/epoch-3.pt" --with "checkpoints/en_default_r33/epoch-3.pt checkpoints/en_default_r34/epoch-3.pt checkpoints/en_default_r35/epoch-3.pt checkpoints/en_default_r36/epoch-3.pt checkpoints/en_default_r37/epoch-3.pt checkpoints/en_default_r38/epoch-3.pt checkpoints/en_default_r39/epoch-3.pt"
echo "== done $(date)"
