#!/usr/bin/env bash
# Runs the forty-fourth schedule (RESULTS.md). The machine kept stages 1 and 4 from the thirty-seventh session, so
# round.sh makes part 42 and the seed-311 copies itself.
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
echo "== round $(date)"
recipes/en_default/local/round.sh --name r44 --part 42 --perturb-seed 311 \
  --init checkpoints/en_default_r43/epoch-3.pt --layers 5 --epochs 3 --average-with-last 7
echo "== done $(date)"
